"""Builds the entity-linking index from the knowledge graph (read-only queries, no parameters
from user text), falling back to the catalogue files when the graph is unreachable."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from retrieval.catalogue_types import Catalogue, entity_key
from retrieval.errors import ParleyError
from retrieval.graph import GraphStore
from tools.linking.linker import EntityIndex
from tools.linking.names import EntityRecord, MemoryNames

if TYPE_CHECKING:  # tools.item_table imports the linking package
    from tools.item_table import ItemTable

MOVIES = "MATCH (m:Movie) RETURN m.item_id AS id, m.title AS title, m.year AS year"
PEOPLE = "MATCH (p:Person)-[r]->(m:Movie) RETURN p.key AS key, p.name AS name, count(r) AS n"
GENRES = "MATCH (g:Genre) RETURN g.key AS key, g.name AS name"
KEYWORDS = "MATCH (k:Keyword)<-[r:HAS_KEYWORD]-(m:Movie) RETURN k.key AS key, k.name AS name, count(r) AS n"
MAX_ROWS = 500_000
log = logging.getLogger(__name__)


def index_from_graph(graph: GraphStore, popularity: dict[int, int]) -> EntityIndex:
    return EntityIndex(names_from_graph(graph, popularity))


def index_from_catalogue(catalogue: Catalogue) -> EntityIndex:
    """FALLBACK when the graph is down: the same names, read from the validated catalogue."""
    return EntityIndex(names_from_catalogue(catalogue))


def names_from_graph(graph: GraphStore, popularity: dict[int, int]) -> MemoryNames:
    """Every linkable name the graph holds (items with their ratings count as popularity)."""
    records = [
        EntityRecord(
            kind="item",
            entity_id=str(row["id"]),
            name=str(row["title"]),
            year=row.get("year"),
            popularity=popularity.get(int(row["id"]), 0),
        )
        for row in graph.run_read(MOVIES, max_rows=MAX_ROWS)
    ]
    records += [
        EntityRecord(kind="person", entity_id=str(r["key"]), name=str(r["name"]), popularity=int(r["n"]))
        for r in graph.run_read(PEOPLE, max_rows=MAX_ROWS)
    ]
    records += [
        EntityRecord(kind="genre", entity_id=str(r["key"]), name=str(r["name"]))
        for r in graph.run_read(GENRES, max_rows=MAX_ROWS)
    ]
    records += [
        EntityRecord(kind="keyword", entity_id=str(r["key"]), name=str(r["name"]), popularity=int(r["n"]))
        for r in graph.run_read(KEYWORDS, max_rows=MAX_ROWS)
        if int(r["n"]) >= 2
    ]
    return MemoryNames(records)


def linkable_names(graph: Callable[[], GraphStore], table: ItemTable, catalogue: Catalogue) -> MemoryNames:
    """Every linkable name, items' popularity their ratings count: from the graph, or from the
    catalogue when the graph is down (the same names)."""
    popularity = {row.item_id: row.popularity for row in table.rows.values()}
    try:
        return names_from_graph(graph(), popularity)
    except ParleyError as error:  # FALLBACK: the graph is down; the catalogue has the same names
        log.warning("graph unavailable, entity index built from the catalogue: %s", error)
        return names_from_catalogue(catalogue)


def names_from_catalogue(catalogue: Catalogue) -> MemoryNames:
    """The names of ``names_from_graph``, read from the catalogue files."""
    popularity = catalogue.ratings["item_id"].value_counts().to_dict()
    records = [
        EntityRecord(
            kind="item",
            entity_id=str(i),
            name=item.title,
            year=item.year,
            popularity=int(popularity.get(i, 0)),
        )
        for i, item in catalogue.items.items()
    ]
    genres = {g for item in catalogue.items.values() for g in item.genres}
    records += [EntityRecord(kind="genre", entity_id=entity_key(g), name=g) for g in sorted(genres)]
    people: Counter[tuple[str, str]] = Counter()
    keywords: Counter[tuple[str, str]] = Counter()
    for fact in catalogue.facts:
        if fact.relation in ("director", "cast"):
            people[(entity_key(fact.value), fact.value)] += 1
        elif fact.relation == "keyword":
            keywords[(entity_key(fact.value), fact.value)] += 1
    records += [
        EntityRecord(kind="person", entity_id=k, name=n, popularity=c) for (k, n), c in people.items()
    ]
    records += [
        EntityRecord(kind="keyword", entity_id=k, name=n, popularity=c)
        for (k, n), c in keywords.items()
        if c >= 2
    ]
    unique = {(r.kind, r.entity_id): r for r in records}
    return MemoryNames(unique.values())
