"""A lexical guard for read-only Cypher: refuses any query that could write or reach outside.

ArcadeDB (26.10) does NOT refuse writes in a READ transaction over Bolt (measured: a ``CREATE`` run
through ``session.execute_read`` and through ``execute_query(routing_=READ)`` is committed), so
``GraphStore.run_read`` combines three layers:

1. this guard: after removing comments, string literals and backquoted names, no write or
   admin clause may remain (``CREATE``, ``MERGE``, ``SET``, ``DELETE``, ``REMOVE``, ``DROP``,
   ``LOAD CSV``, ``FOREACH``, procedure ``CALL``s, ``IN TRANSACTIONS``, ``USE``, ...);
2. the transaction is opened in READ access mode (Neo4j itself refuses writes there);
3. the transaction is always rolled back, never committed (ArcadeDB honours the rollback), so a
   data write that slipped past 1 and 2 is still discarded.
"""

from __future__ import annotations

import re

from retrieval.errors import GraphQueryError

# clauses and keywords that write, change the schema, administer, or read outside the database
_FORBIDDEN = (
    "CREATE",
    "MERGE",
    "SET",
    "DELETE",
    "DETACH",
    "REMOVE",
    "DROP",
    "ALTER",
    "RENAME",
    "GRANT",
    "DENY",
    "REVOKE",
    "FOREACH",
    "TRANSACTIONS",  # CALL { } IN TRANSACTIONS commits; SHOW/TERMINATE TRANSACTIONS administer
    "USE",
    "SHOW",
    r"LOAD\s+CSV",
    r"(?:START|STOP)\s+DATABASE",
)
_COMMENT_OR_STRING = re.compile(
    r"""//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`""",
    re.DOTALL,
)
# a keyword as a word, not a property (n.set), a parameter ($create) or a map key ({set: 1})
_KEYWORD = re.compile(r"(?<![\w.$])(" + "|".join(_FORBIDDEN) + r")(?![\w])(?!\s*:)", re.IGNORECASE)
# CALL followed by a name is a procedure call (db.*, apoc.*, algo.*): any of them may write.
# CALL { ... } (a subquery) is allowed; its body is checked like the rest.
_PROCEDURE_CALL = re.compile(r"(?<![\w.$])CALL\s+(?!\{|\()", re.IGNORECASE)
_UNTERMINATED = re.compile(r"""['"`]|/\*""")


def check_read_only(query: str) -> None:
    """Raise GraphQueryError unless ``query`` is read-only Cypher (lexically; see the module doc)."""
    if not query or not query.strip():
        raise GraphQueryError("empty query")
    code = _COMMENT_OR_STRING.sub(" ", query)
    if _UNTERMINATED.search(code):
        raise GraphQueryError("refused: unterminated string, name or comment in the query")
    match = _KEYWORD.search(code)
    if match:
        clause = " ".join(match.group(1).upper().split())
        raise GraphQueryError(f"refused: {clause} is not allowed in a read-only query")
    if _PROCEDURE_CALL.search(code):
        raise GraphQueryError("refused: procedure calls are not allowed in a read-only query")
