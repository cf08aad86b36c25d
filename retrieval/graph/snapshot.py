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

import numpy as np
from numpy.typing import NDArray

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
        self._position: dict[int, int] | None = None  # for the hub scores, built on first use
        self._hub_members: dict[tuple[str, str], NDArray[np.int64]] = {}

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
        hub_score, is_hub = self._hub_scores(seed_hubs, w, exclude)
        position = self._positions()
        total = {c: s + float(hub_score[position[c]]) for c, s in score.items()}
        chosen = heapq.nsmallest(limit, total, key=lambda c: (-round(total[c], 4), c))
        if len(chosen) < limit:
            chosen += self._best_hub_only(
                hub_score, is_hub, [position[c] for c in total], limit - len(chosen)
            )
        found = []
        for c in chosen:
            shared = [evidence(t, k, specific[(t, k)][0], specific[(t, k)][1], w) for t, k in hits.get(c, ())]
            found.append(self._candidate(c, shared, seed_hubs, w))
        return sorted(found, key=lambda c: (-c["score"], c["item_id"]))

    def _positions(self) -> dict[int, int]:
        """Each movie's position in the hub score arrays (built on first use)."""
        if self._position is None:
            self._position = {item_id: n for n, item_id in enumerate(self.titles)}
        return self._position

    def _hub_scores(
        self, seed_hubs: Mapping[tuple[str, str], object], w: Mapping[str, float], exclude: set[int]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Each movie's summed weight of the hubs (genres, countries, big entities) it shares with the
        seeds, added in ``seed_hubs`` order as a loop over the hubs' movies would; whether it shares any
        (excluded movies share none)."""
        position = self._positions()
        score = np.zeros(len(position))
        linked = np.zeros(len(position), dtype=bool)
        for type_, key in seed_hubs:
            at = self._hub_members.get((type_, key))
            if at is None:
                members = self.movies_of.get((type_, key), ())
                at = self._hub_members[(type_, key)] = np.fromiter((position[c] for c in members), np.int64)
            score[at] += w[type_]
            linked[at] = True
        gone = [position[c] for c in exclude if c in position]
        score[gone], linked[gone] = 0.0, False
        return score, linked

    def _best_hub_only(
        self, hub_score: NDArray[np.float64], is_hub: NDArray[np.bool_], scored: list[int], n: int
    ) -> list[int]:
        """The ``n`` best movies linked to the seeds by hubs only (not at ``scored`` positions), by
        score rounded to 4 places, then id: the exact key applied to the movies that can reach them
        (rounding moves a score by 0.00005 at most)."""
        keep = is_hub.copy()
        keep[scored] = False
        at = np.flatnonzero(keep)
        if len(at) > n:
            values = hub_score[at]
            nth = np.partition(values, len(values) - n)[len(values) - n]  # the n-th largest
            at = at[values >= nth - 2e-4]
        ids = list(self.titles)
        hub_only = {ids[i]: float(hub_score[i]) for i in at}
        return heapq.nsmallest(n, hub_only, key=lambda c: (-round(hub_only[c], 4), c))

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
