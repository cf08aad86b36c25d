"""The read queries of the graph (fixed Cypher with parameters) and the shaping of their results.

Every query here runs on ArcadeDB (through its Bolt plugin) and on Neo4j 5 unchanged. Values from
callers travel only as parameters; relationship types and labels come from ``graph_schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from retrieval.graph.schema import (
    BY_RELATION,
    BY_TYPE,
    DEFAULT_WEIGHTS,
    HUB_RELATIONS,
    LABELS,
    MOVIE,
    REL_SPECS,
    REL_TYPES,
    RELATIONS,
)

Row = dict[str, Any]

MOVIE_FACTS = f"""
MATCH (m:{MOVIE} {{item_id: $item_id}})
OPTIONAL MATCH (m)-[r]-(e)
RETURN m.item_id AS item_id, m.title AS title, m.year AS year, m.overview AS overview,
       collect({{type: type(r), name: e.name, rank: r.rank}}) AS facts
"""

MOVIES_BY_PERSON = f"""
MATCH (p:Person {{key: $key}})-[r:DIRECTED|ACTED_IN]->(m:{MOVIE})
RETURN m.item_id AS item_id, m.title AS title, m.year AS year, collect(DISTINCT type(r)) AS types
ORDER BY year, item_id
"""

FIND_PEOPLE_EXACT = """
MATCH (p:Person {key: $key})
RETURN p.key AS key, p.name AS name,
       COUNT { (p)-[:DIRECTED]->() } AS directed, COUNT { (p)-[:ACTED_IN]->() } AS acted
"""

# whole-word containment: "mann" finds "michael mann", not "manning"
FIND_PEOPLE_WORDS = """
MATCH (p:Person) WHERE (' ' + p.key + ' ') CONTAINS (' ' + $key + ' ')
WITH p LIMIT $scan_limit
RETURN p.key AS key, p.name AS name,
       COUNT { (p)-[:DIRECTED]->() } AS directed, COUNT { (p)-[:ACTED_IN]->() } AS acted
"""


def counts_query() -> str:
    """Nodes per schema label, relationships per schema type, and all nodes/relationships."""
    parts = [f"MATCH (n:{label}) RETURN '{label}' AS name, count(n) AS n" for label in LABELS]
    parts += [f"MATCH ()-[r:{t}]->() RETURN '{t}' AS name, count(r) AS n" for t in REL_TYPES]
    parts += [
        "MATCH (n) RETURN 'all_nodes' AS name, count(n) AS n",
        "MATCH ()-[r]->() RETURN 'all_relationships' AS name, count(r) AS n",
    ]
    return "\nUNION ALL\n".join(parts)


# Lists of ids are UNWOUND and matched one by one: ArcadeDB uses the unique index for
# ``{item_id: id}`` but scans every Movie for ``WHERE m.item_id IN $ids``.
SEED_NEIGHBOURS = f"""
UNWIND $ids AS sid MATCH (s:{MOVIE} {{item_id: sid}})-[r]-(e)
RETURN s.item_id AS item_id, s.title AS title, type(r) AS type, e.key AS key, e.name AS name,
       e.movies AS movies
"""


def _hub_links(node: str, hub_types: Sequence[str]) -> list[tuple[str, str]]:
    """Per hub type: the pattern linking ``node`` to a hub entity ``h``, and its key parameter."""
    return [(BY_TYPE[t].arrow(node, f"h:{BY_TYPE[t].label}"), f"$keys_{t}") for t in hub_types]


def shared_query(specific_types: Sequence[str], hub_types: Sequence[str]) -> str:
    """Candidates sharing a non-hub entity of the specific relationship types with the seeds.

    An entity linked to more than ``$hub_degree`` movies is not expanded. Returns per candidate its
    specific evidence (``shared``), the keys of the seeds' hub entities it also links to
    (``hub_<TYPE>``, from ``$keys_<TYPE>``) and the total ``score``, ranked in the database,
    ``$limit`` rows. Hubs are only looked up from the candidates, never expanded.
    """
    types = "|".join(specific_types)
    hubs, hub_score, hub_columns = _hub_lookups(hub_types, ["c", "shared", "score"])
    return f"""
UNWIND $ids AS sid MATCH (s:{MOVIE} {{item_id: sid}})
MATCH (s)-[r1:{types}]-(e) WHERE coalesce(e.movies, 0) <= $hub_degree
MATCH (e)-[r2:{types}]-(c:{MOVIE})
WHERE type(r2) = type(r1) AND NOT c.item_id IN $exclude
WITH c, e, type(r1) AS type, collect(DISTINCT s.item_id) AS via
WITH c, collect({{type: type, key: e.key, name: e.name, via: via}}) AS shared, sum($w[type]) AS score
{hubs}
RETURN c.item_id AS item_id, c.title AS title, c.year AS year, shared{hub_columns},
       score{hub_score} AS score
ORDER BY score DESC, item_id LIMIT $limit
"""


def _hub_lookups(hub_types: Sequence[str], carried: list[str]) -> tuple[str, str, str]:
    """OPTIONAL MATCH lines collecting, per hub type, the seed hub keys ``c`` links to (typed and
    starting from ``c``: a pattern comprehension there makes ArcadeDB scan the hub label), plus
    the score terms and the result columns they add."""
    lines = []
    for t, (pattern, keys) in zip(hub_types, _hub_links("c", hub_types), strict=True):
        lines.append(f"OPTIONAL MATCH {pattern} WHERE h.key IN {keys}")
        lines.append(f"WITH {', '.join(carried)}, collect(h.key) AS hub_{t}")
        carried = [*carried, f"hub_{t}"]
    score = "".join(f" + $w['{t}'] * size(hub_{t})" for t in hub_types)
    columns = "".join(f", hub_{t}" for t in hub_types)
    return "\n".join(lines), score, columns


def hub_query(hub_types: Sequence[str]) -> str:
    """Candidates linked to the seeds through hub entities only, starting from the hub nodes
    (``$keys_<TYPE>``). Only ids and weights go through the aggregation (carrying nodes through
    CALL/UNION and aggregation is what costs on ArcadeDB); ``$pool`` = ``$limit`` + the number of
    excluded ids, so excluding after the first LIMIT stays exact."""
    branches = [
        f"UNWIND $keys_{t} AS k MATCH {BY_TYPE[t].entity_first(f'hub:{BY_TYPE[t].label} {{key: k}}', 'c:' + MOVIE)} "
        f"RETURN c.item_id AS id, $w['{t}'] AS w"
        for t in hub_types
    ]
    union = "\n  UNION ALL\n  ".join(branches)
    lookups, _, columns = _hub_lookups(hub_types, ["c", "score"])
    return f"""
CALL {{
  {union}
}}
WITH id, sum(w) AS score ORDER BY score DESC, id LIMIT $pool
WITH id, score WHERE NOT id IN $exclude
WITH id, score ORDER BY score DESC, id LIMIT $limit
MATCH (c:{MOVIE} {{item_id: id}})
{lookups}
RETURN c.item_id AS item_id, c.title AS title, c.year AS year, score{columns}
ORDER BY score DESC, item_id
"""


PERSON_CHAINS = f"""
UNWIND $ids AS sid MATCH (s:{MOVIE} {{item_id: sid}})-[r1:DIRECTED|ACTED_IN]-(p1:Person)
MATCH (p1)-[r2:DIRECTED|ACTED_IN]-(m:{MOVIE}) WHERE NOT m.item_id IN $exclude
RETURN s.item_id AS end, type(r1) AS t_end, p1.key AS key, p1.name AS name, type(r2) AS t_mid,
       m.item_id AS mid, m.title AS mid_title
"""


def normalise_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Weights by relationship type, from weights by relation (director, cast, keyword, genre, country)."""
    merged = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = set(weights) - set(RELATIONS)
        if unknown:
            raise ValueError(f"unknown relation(s) in weights: {sorted(unknown)}; known: {list(RELATIONS)}")
        merged.update({k: float(v) for k, v in weights.items()})
    return {BY_RELATION[rel].type: w for rel, w in merged.items()}


def shape_movie(row: Row) -> Row:
    """Group a MOVIE_FACTS row into lists of names per relation, in rank order."""
    grouped: dict[str, list[tuple[int, str]]] = {rel: [] for rel in RELATIONS}
    for fact in row["facts"]:
        spec = BY_TYPE.get(fact.get("type") or "")
        if spec is not None and fact.get("name") is not None:
            rank = fact.get("rank")
            grouped[spec.relation].append((rank if isinstance(rank, int) else 1 << 30, fact["name"]))
    names = {rel: [name for _, name in sorted(pairs)] for rel, pairs in grouped.items()}
    return {
        "item_id": row["item_id"],
        "title": row["title"],
        "year": row["year"],
        "overview": row["overview"] or "",
        "genres": names["genre"],
        "directors": names["director"],
        "cast": names["cast"],
        "countries": names["country"],
        "keywords": names["keyword"],
    }


def shape_people(rows: list[Row]) -> list[Row]:
    return [
        {"key": r["key"], "name": r["name"], "directed": int(r["directed"]), "acted": int(r["acted"])}
        for r in rows
    ]


def evidence(type_: str, key: str, name: str | None, via: Iterable[int], weights: Mapping[str, float]) -> Row:
    spec = BY_TYPE[type_]
    return {
        "relation": spec.relation,
        "type": type_,
        "label": spec.label,
        "key": key,
        "name": name if name is not None else key,
        "weight": weights.get(type_, 0.0),
        "via": sorted(set(via)),
    }


def hub_evidence(
    hubs: Iterable[tuple[str, str]],
    seed_hubs: Mapping[tuple[str, str], tuple[str, list[int]]],
    weights: Mapping[str, float],
) -> list[Row]:
    """Evidence rows for the hub entities (type, key) a candidate shares with the seeds."""
    out = []
    for type_, key in hubs:
        name, via = seed_hubs.get((type_, key), (key, []))
        out.append(evidence(type_, key, name, via, weights))
    return out


def expanded_types(weights: Mapping[str, float]) -> list[str]:
    """Relationship types candidates are searched through: positive weight, not a hub relation."""
    return [spec.type for spec in REL_SPECS if spec.relation not in HUB_RELATIONS and weights[spec.type] > 0]


def node(label: str, ident: Any, name: Any) -> Row:
    return {"label": label, "id": ident, "name": name}
