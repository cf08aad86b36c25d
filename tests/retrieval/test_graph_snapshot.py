"""The in-memory graph snapshot answers as the Cypher queries do (real ArcadeDB server)."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from retrieval.catalogue_types import Catalogue, Fact, Item
from retrieval.errors import StoreUnavailableError
from retrieval.graph import GraphStore

HEAT, COLLATERAL = 6, 8798


def _comparable(rows: list[dict]) -> list[tuple]:
    return [
        (
            r["item_id"],
            r["title"],
            r["year"],
            r["score"],
            [(e["type"], e["key"], e["name"], e["via"], e["weight"]) for e in r["shared"]],
        )
        for r in rows
    ]


def test_snapshot_matches_the_cypher_neighbours_and_paths(graph_store: GraphStore) -> None:
    snapshot = graph_store.snapshot()
    ids = sorted(snapshot.titles)
    assert len(ids) == graph_store.counts()["Movie"]
    rng = random.Random(7)
    cases = [([HEAT], {}, ()), ([HEAT, COLLATERAL], {"director": 0}, (2,)), ([HEAT], {"genre": 2.0}, ())]
    cases += [(rng.sample(ids, rng.randint(1, 3)), {}, tuple(rng.sample(ids, 5))) for _ in range(25)]
    compared_paths = 0
    for seeds, weights, exclude in cases:
        for limit in (5, 60):
            cypher = graph_store.shared_neighbours(seeds, limit=limit, weights=weights, exclude_ids=exclude)
            memory = snapshot.shared_neighbours(seeds, limit=limit, weights=weights, exclude_ids=exclude)
            assert _comparable(memory) == _comparable(cypher), (seeds, weights, limit)
        for candidate in cypher[:3]:
            expected = graph_store.paths(seeds, candidate["item_id"], limit=4, weights=weights)
            assert snapshot.paths(seeds, candidate["item_id"], limit=4, weights=weights) == expected
            compared_paths += len(expected)
    assert compared_paths > 50  # the comparison covered real paths, not empty lists
    assert snapshot.shared_neighbours([]) == [] and snapshot.paths([HEAT], 10**9) == []


def test_snapshot_is_read_again_after_a_load(scratch_graph: GraphStore) -> None:
    no_ratings = pd.DataFrame({"user_id": [], "item_id": [], "rating": [], "timestamp": []})
    items = {i: Item(item_id=i, title=f"Film {i}", year=2000) for i in (1, 2, 3)}
    facts = [Fact(item_id=i, relation="director", value="Ann Auteur") for i in (1, 2)]
    scratch_graph.load(Catalogue(items=items, ratings=no_ratings, facts=facts))
    first = scratch_graph.snapshot()
    assert scratch_graph.snapshot() is first  # unchanged graph: the same snapshot
    assert [c["item_id"] for c in first.shared_neighbours([1])] == [2]
    facts.append(Fact(item_id=3, relation="director", value="Ann Auteur"))
    scratch_graph.load(Catalogue(items=items, ratings=no_ratings, facts=facts))
    assert [c["item_id"] for c in scratch_graph.snapshot().shared_neighbours([1])] == [2, 3]


def test_snapshot_of_an_unreachable_graph_is_store_unavailable() -> None:
    store = GraphStore(
        "bolt://127.0.0.1:9", "root", "x", "nowhere", retry_time_s=0.5, connection_timeout_s=1.0
    )
    try:
        with pytest.raises(StoreUnavailableError):
            store.snapshot()
    finally:
        store.close()
