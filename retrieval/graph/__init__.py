"""The knowledge graph: a Bolt/Cypher store (embedded ArcadeDB server or any Neo4j) with its schema,
loading, read queries, neighbourhood scoring, in-memory snapshot and read-only guard.
"""

from retrieval.graph.desired import describe
from retrieval.graph.process import pid_alive
from retrieval.graph.readonly import check_read_only
from retrieval.graph.server import EmbeddedGraphServer
from retrieval.graph.snapshot import GraphSnapshot
from retrieval.graph.store import GraphStore

__all__ = [
    "EmbeddedGraphServer",
    "GraphSnapshot",
    "GraphStore",
    "check_read_only",
    "describe",
    "pid_alive",
]
