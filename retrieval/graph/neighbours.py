"""Neighbourhood queries of the graph: shared neighbours of a set of movies and explanation paths.

Both take ``read`` (run fixed Cypher with parameters in a READ transaction, return rows as dicts)
so they stay independent of the driver; ``GraphStore`` passes its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from retrieval.graph.load import ReadFn
from retrieval.graph.queries import (
    PERSON_CHAINS,
    SEED_NEIGHBOURS,
    Row,
    evidence,
    expanded_types,
    hub_evidence,
    hub_query,
    node,
    normalise_weights,
    shared_query,
)
from retrieval.graph.schema import BY_TYPE, HUB_DEGREE, HUB_RELATIONS, MOVIE, REL_TYPES


def seed_neighbours(read: ReadFn, ids: list[int]) -> tuple[dict[int, str], dict[int, list[Row]]]:
    """Titles of ``ids`` and, per id, its neighbours (type, key, name)."""
    titles: dict[int, str] = {}
    neighbours: dict[int, list[Row]] = defaultdict(list)
    for r in read(SEED_NEIGHBOURS, {"ids": ids}):
        titles[r["item_id"]] = r["title"]
        if r["type"] in BY_TYPE and r["key"] is not None:
            neighbours[r["item_id"]].append(r)
    return titles, neighbours


def shared_neighbours(
    read: ReadFn,
    item_ids: Iterable[int],
    limit: int = 20,
    weights: Mapping[str, float] | None = None,
    exclude_ids: Iterable[int] = (),
    hub_degree: int = HUB_DEGREE,
) -> list[Row]:
    """Movies sharing people, keywords or genres with the movies ``item_ids``, best first.

    ``score`` = sum of the weights (by relation; default director 3, cast 2, keyword 1,
    genre 0.5, country 0) of the distinct entities a candidate shares with the seeds.
    ``shared`` lists them as evidence: relation, type, label, key, name, weight and ``via``
    (the seed ids linked to it). Hub entities (genres, countries, and any entity linked to more
    than ``hub_degree`` movies) link thousands of movies: they add to the score of every
    candidate, but candidates are searched through the other entities, and movies sharing only
    hubs are added when those give fewer than ``limit``. Seeds and ``exclude_ids`` are never
    returned.
    """
    ids = sorted({int(i) for i in item_ids})
    if not ids or limit < 1:
        return []
    w = normalise_weights(weights)
    exclude = sorted(set(ids) | {int(i) for i in exclude_ids})
    _, neighbours = seed_neighbours(read, ids)
    seed_hubs: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for seed, rows in neighbours.items():
        for r in rows:
            hub = BY_TYPE[r["type"]].relation in HUB_RELATIONS or (r["movies"] or 0) > hub_degree
            if hub and w[r["type"]] > 0:
                _, via = seed_hubs.setdefault((r["type"], r["key"]), (r["name"], []))
                via.append(seed)
    hubs = [t for t in REL_TYPES if any(tt == t for tt, _ in seed_hubs)]
    hub_keys = {f"keys_{t}": [k for (tt, k) in seed_hubs if tt == t] for t in hubs}
    found: dict[int, Row] = {}
    expand = expanded_types(w)
    if expand:
        params = {"ids": ids, "exclude": exclude, "w": w, "limit": limit, "hub_degree": hub_degree}
        for r in read(shared_query(expand, hubs), params | hub_keys):
            shared = [evidence(e["type"], e["key"], e["name"], e["via"], w) for e in r["shared"]]
            linked = [(t, k) for t in hubs for k in r[f"hub_{t}"]]
            found[r["item_id"]] = _candidate(r, shared + hub_evidence(linked, seed_hubs, w))
    if len(found) < limit and seed_hubs:
        excluded = exclude + sorted(found)
        params = {"exclude": excluded, "w": w, "limit": limit - len(found), "pool": limit + len(excluded)}
        for r in read(hub_query(hubs), params | hub_keys):
            linked = [(t, k) for t in hubs for k in r[f"hub_{t}"]]
            found[r["item_id"]] = _candidate(r, hub_evidence(linked, seed_hubs, w))
    return sorted(found.values(), key=lambda c: (-c["score"], c["item_id"]))[:limit]


def _candidate(row: Row, shared: list[Row]) -> Row:
    shared.sort(key=lambda e: (-e["weight"], e["relation"], e["name"]))
    return {
        "item_id": row["item_id"],
        "title": row["title"],
        "year": row["year"],
        "score": round(sum(e["weight"] for e in shared), 4),
        "shared": shared,
    }


def find_paths(
    read: ReadFn,
    source_ids: Iterable[int],
    target_id: int,
    max_hops: int = 2,
    limit: int = 20,
    weights: Mapping[str, float] | None = None,
) -> list[Row]:
    """Paths from liked movies to ``target_id`` as plain data, strongest first.

    2 hops: source -[rel]- entity -[rel]- target, through any entity with a positive weight
    (so no country paths by default). ``max_hops=4`` adds source - person - movie - person -
    target chains (through people only). Each path: ``source``, ``target``, ``hops``,
    ``weight`` (sum of the relation weights), ``nodes`` (``label``, ``id`` = item_id or key,
    ``name``) and ``relationships`` (``type``, ``start``/``end`` = indexes into ``nodes``).
    """
    if max_hops not in (2, 4):
        raise ValueError("max_hops must be 2 or 4 (paths between movies have even length)")
    target = int(target_id)
    sources = sorted({int(i) for i in source_ids} - {target})
    if not sources or limit < 1:
        return []
    w = normalise_weights(weights)
    titles, neighbours = seed_neighbours(read, [*sources, target])
    if target not in titles:
        return []
    found = two_hop_paths(titles, neighbours, sources, target, w)
    if max_hops == 4:
        found += _person_chains(read, sources, target, titles, w)
    return sort_paths(found)[:limit]


def sort_paths(paths: list[Row]) -> list[Row]:
    """Shortest first, then strongest (ties: source id, node ids)."""
    return sorted(paths, key=lambda p: (p["hops"], -p["weight"], p["source"], [n["id"] for n in p["nodes"]]))


def two_hop_paths(
    titles: Mapping[int, str],
    neighbours: Mapping[int, list[Row]],
    sources: Iterable[int],
    target: int,
    w: Mapping[str, float],
) -> list[Row]:
    """source -[rel]- entity -[rel]- target paths from ``seed_neighbours`` rows (unsorted)."""
    at_target: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in neighbours.get(target, []):
        if w[r["type"]] > 0:
            at_target[(BY_TYPE[r["type"]].label, r["key"])].append(r)
    found: list[Row] = []
    for source in sources:
        for r in neighbours.get(source, []):
            for t in at_target.get((BY_TYPE[r["type"]].label, r["key"]), []) if w[r["type"]] > 0 else []:
                nodes = [
                    node(MOVIE, source, titles[source]),
                    node(BY_TYPE[r["type"]].label, r["key"], r["name"]),
                    node(MOVIE, target, titles[target]),
                ]
                rels = [_rel(r["type"], 0, 1), _rel(t["type"], 2, 1)]
                found.append(_path(source, target, nodes, rels, w))
    return found


def _person_chains(
    read: ReadFn, sources: list[int], target: int, titles: Mapping[int, str], w: Mapping[str, float]
) -> list[Row]:
    exclude = [*sources, target]
    from_sources = read(PERSON_CHAINS, {"ids": sources, "exclude": exclude})
    from_target: dict[int, list[Row]] = defaultdict(list)
    for r in read(PERSON_CHAINS, {"ids": [target], "exclude": exclude}):
        from_target[r["mid"]].append(r)
    out = []
    for a in from_sources:
        for t in from_target.get(a["mid"], []):
            if t["key"] == a["key"]:
                continue  # the same person at both ends is a 2-hop path
            nodes = [
                node(MOVIE, a["end"], titles.get(a["end"])),
                node("Person", a["key"], a["name"]),
                node(MOVIE, a["mid"], a["mid_title"]),
                node("Person", t["key"], t["name"]),
                node(MOVIE, target, titles.get(target)),
            ]
            rels = [
                _rel(a["t_end"], 0, 1),
                _rel(a["t_mid"], 2, 1),
                _rel(t["t_mid"], 2, 3),
                _rel(t["t_end"], 4, 3),
            ]
            out.append(_path(a["end"], target, nodes, rels, w))
    return out


def _rel(type_: str, start: int, end: int) -> Row:
    """A relationship of a path, oriented as stored (people -> movies -> genres/keywords/countries)."""
    if BY_TYPE[type_].into_movie:
        start, end = end, start
    return {"type": type_, "start": start, "end": end}


def _path(source: int, target: int, nodes: list[Row], rels: list[Row], w: Mapping[str, float]) -> Row:
    return {
        "source": source,
        "target": target,
        "hops": len(rels),
        "weight": round(sum(w.get(r["type"], 0.0) for r in rels), 4),
        "nodes": nodes,
        "relationships": rels,
    }
