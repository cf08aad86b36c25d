"""The lexical read-only guard of GraphStore.run_read (no server needed)."""

from __future__ import annotations

import pytest

from retrieval.errors import GraphQueryError
from retrieval.graph import check_read_only


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (m:Movie {item_id: $id}) RETURN m.title AS title",
        "MATCH (m:Movie) WHERE m.title CONTAINS 'create' RETURN m",  # keyword inside a string
        'MATCH (m:Movie) WHERE m.title = "DETACH DELETE" RETURN m',
        "MATCH (m:Movie) RETURN m.set AS s, m.created AS c, $delete AS d",  # property / parameter
        "RETURN {set: 1, merge: 2} AS map",  # map keys
        "MATCH (m:Movie) // delete everything\nRETURN count(m) AS n",  # comment
        "MATCH (`CREATE`:Movie) RETURN `CREATE`.title",  # quoted name
        "MATCH (m:Movie) CALL { WITH m MATCH (m)<-[:DIRECTED]-(p) RETURN p } RETURN m, p",
        "MATCH p = shortestPath((a:Movie {item_id: 1})-[*..4]-(b:Movie {item_id: 2})) RETURN p",
        "MATCH (m:Movie) WHERE m.title =~ '(?i).*heat.*' RETURN m UNION MATCH (m:Movie) RETURN m",
        "MATCH (createdAt:Movie) RETURN createdAt.title",
        "MATCH (start)-[:DIRECTED]->(m) RETURN start.name, m.title AS load",  # START, LOAD as names
    ],
)
def test_allows_reads(query: str) -> None:
    check_read_only(query)


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n)",
        "create (n)",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) DELETE n",
        "MATCH (n) SET n.x = 1",
        "MATCH (n) SET n += {x: 1}",
        "MATCH (n) REMOVE n:Movie",
        "MERGE (n:Movie {item_id: 1})",
        "DROP INDEX x",
        "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
        "CALL db.labels()",
        "CALL apoc.create.node(['X'], {})",
        "MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS",
        "USE system SHOW USERS",
        "SHOW DATABASES",
        "STOP DATABASE parley",
        "load  csv from 'http://x' as r return r",
        "MATCH (n) FOREACH (x IN [1] | SET n.y = x)",
        "MATCH (n)\nDETACH\nDELETE n",
        "MATCH (n) /* harmless */ CREATE (m)",
        "MATCH (n) WHERE n.t = 'it''s' CREATE (m)",
        "MATCH (n) RETURN 'unterminated",
        "",
        "   ",
    ],
)
def test_refuses_writes_admin_and_outside_reads(query: str) -> None:
    with pytest.raises(GraphQueryError):
        check_read_only(query)
