"""The movie–entity links of the graph, read once and kept in memory.

The graph changes only when the catalogue is loaded again, while the ranker asks for the
neighbourhood of a few movies in every turn. ``GraphSnapshot`` answers the two per-turn questions
(``shared_neighbours`` and the 2-hop explanation paths) from memory with the same results as the
Cypher in ``graph_neighbours`` (tests compare them); ``GraphStore.snapshot()`` reads it once and
reads it again when the graph's catalogue fingerprint changes.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from retrieval.graph.neighbours import sort_paths, two_hop_paths
from retrieval.graph.queries import Row, evidence, expanded_types, hub_evidence, normalise_weights
from retrieval.graph.schema import BY_TYPE, ENTITY_LABELS, HUB_DEGREE, HUB_RELATIONS, MOVIE, REL_TYPES

# Three queries with few rows each (ArcadeDB's Bolt plugin spends its time per record: the links
# as one row per link take ~4x longer than collected per movie).
ALL_MOVIES = f"MATCH (m:{MOVIE}) RETURN m.item_id AS item_id, m.title AS title, m.year AS year"
ALL_LINKS = f"""
MATCH (m:{MOVIE})-[r]-(e)
RETURN m.item_id AS item_id, collect(type(r)) AS types, collect(e.key) AS keys
"""
ALL_ENTITIES = "\nUNION ALL\n".join(
    f"MATCH (e:{label}) RETURN '{label}' AS label, e.key AS key, e.name AS name, e.movies AS movies"
    for label in ENTITY_LABELS
)


class GraphSnapshot:
    """Movie -> linked entities and entity -> linked movies, from ``ALL_LINKS`` rows."""

    def __init__(
        self,
        movies: Iterable[Row],
        links: Iterable[Row],
        entities: Iterable[Row],
        fingerprint: str | None = None,
    ) -> None:
        self.fingerprint = fingerprint
        self.titles: dict[int, str] = {}
        self.years: dict[int, int | None] = {}
        for m in movies:
            self.titles[int(m["item_id"])] = m["title"]
            self.years[int(m["item_id"])] = m.get("year")
        named = {(e["label"], e["key"]): (e["name"], e["movies"]) for e in entities}
        self.links: defaultdict[int, list[Row]] = defaultdict(list)
        self.movies_of: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        for r in links:
            item_id = int(r["item_id"])
            title = self.titles.get(item_id)
            for type_, key in zip(r["types"], r["keys"], strict=True):
                if type_ not in BY_TYPE or key is None or title is None:
                    continue
                name, movies = named.get((BY_TYPE[type_].label, key), (key, None))
                self.links[item_id].append(
                    {
                        "item_id": item_id,
                        "title": title,
                        "type": type_,
                        "key": key,
                        "name": name,
                        "movies": movies,
                    }
                )
                self.movies_of[(type_, key)].add(item_id)

    @classmethod
    def read(cls, read: Callable[[str], list[Row]], fingerprint: str | None = None) -> GraphSnapshot:
        """Read a snapshot with ``read`` (a graph read: query -> rows)."""
        return cls(read(ALL_MOVIES), read(ALL_LINKS), read(ALL_ENTITIES), fingerprint)

    def __len__(self) -> int:
        return len(self.titles)

    def seed_neighbours(self, ids: Iterable[int]) -> tuple[dict[int, str], dict[int, list[Row]]]:
        """As ``graph_neighbours.seed_neighbours``: titles of ``ids`` and their links."""
        titles: dict[int, str] = {}
        neighbours: dict[int, list[Row]] = {}
        for i in ids:
            if i in self.titles:
                titles[i] = self.titles[i]
                neighbours[i] = list(self.links.get(i, ()))
        return titles, neighbours

    def paths(
        self,
        source_ids: Iterable[int],
        target_id: int,
        limit: int = 20,
        weights: Mapping[str, float] | None = None,
    ) -> list[Row]:
        """The 2-hop result of ``graph_neighbours.find_paths`` (``GraphStore.paths``)."""
        target = int(target_id)
        sources = sorted({int(i) for i in source_ids} - {target})
        if not sources or limit < 1 or target not in self.titles:
            return []
        titles, neighbours = self.seed_neighbours([*sources, target])
        return sort_paths(two_hop_paths(titles, neighbours, sources, target, normalise_weights(weights)))[
            :limit
        ]

    def shared_neighbours(
        self,
        item_ids: Iterable[int],
        limit: int = 20,
        weights: Mapping[str, float] | None = None,
        exclude_ids: Iterable[int] = (),
        hub_degree: int = HUB_DEGREE,
    ) -> list[Row]:
        """The result of ``graph_neighbours.shared_neighbours`` (same scores, evidence and order)."""
        ids = sorted({int(i) for i in item_ids})
        if not ids or limit < 1:
            return []
        w = normalise_weights(weights)
        exclude = set(ids) | {int(i) for i in exclude_ids}
        expand = set(expanded_types(w))
        seed_hubs: dict[tuple[str, str], tuple[str, list[int]]] = {}
        specific: dict[tuple[str, str], tuple[str, list[int]]] = {}
        for seed in ids:
            for r in self.links.get(seed, ()):
                hub = BY_TYPE[r["type"]].relation in HUB_RELATIONS or (r["movies"] or 0) > hub_degree
                if hub and w[r["type"]] > 0:
                    seed_hubs.setdefault((r["type"], r["key"]), (r["name"], []))[1].append(seed)
                elif not hub and r["type"] in expand:
                    specific.setdefault((r["type"], r["key"]), (r["name"], []))[1].append(seed)
        # scores first (cheap), evidence for the chosen candidates only
        score: defaultdict[int, float] = defaultdict(float)
        hits: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
        for type_, key in specific:
            for c in self.movies_of.get((type_, key), ()):
                if c not in exclude:
                    score[c] += w[type_]
                    hits[c].append((type_, key))
        hub_score: defaultdict[int, float] = defaultdict(float)
        for type_, key in seed_hubs:
            for c in self.movies_of.get((type_, key), ()):
                if c not in exclude:
                    hub_score[c] += w[type_]
        total = {c: s + hub_score.get(c, 0.0) for c, s in score.items()}
        chosen = heapq.nsmallest(limit, total, key=lambda c: (-round(total[c], 4), c))
        if len(chosen) < limit:
            hub_only = {c: s for c, s in hub_score.items() if c not in total}
            chosen += heapq.nsmallest(
                limit - len(chosen), hub_only, key=lambda c: (-round(hub_only[c], 4), c)
            )
        found = []
        for c in chosen:
            shared = [evidence(t, k, specific[(t, k)][0], specific[(t, k)][1], w) for t, k in hits.get(c, ())]
            found.append(self._candidate(c, shared, seed_hubs, w))
        return sorted(found, key=lambda c: (-c["score"], c["item_id"]))

    def _candidate(
        self,
        item_id: int,
        shared: list[Row],
        seed_hubs: Mapping[tuple[str, str], tuple[str, list[int]]],
        w: Mapping[str, float],
    ) -> Row:
        linked = [
            (r["type"], r["key"]) for r in self.links.get(item_id, ()) if (r["type"], r["key"]) in seed_hubs
        ]
        linked.sort(key=lambda tk: (REL_TYPES.index(tk[0]), tk[1]))
        rows = shared + hub_evidence(linked, seed_hubs, w)
        rows.sort(key=lambda e: (-e["weight"], e["relation"], e["name"]))
        return {
            "item_id": item_id,
            "title": self.titles[item_id],
            "year": self.years.get(item_id),
            "score": round(sum(e["weight"] for e in rows), 4),
            "shared": rows,
        }
