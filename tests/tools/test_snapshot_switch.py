"""Above ``graph_snapshot_max_items`` a worker keeps no graph snapshot: the ranker's graph source and
its explanations ask the graph with the bounded Cypher queries and rank exactly as with the snapshot
(real ArcadeDB server, real stores of the small catalogue)."""

from __future__ import annotations

from pathlib import Path

from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import EmbeddedGraphServer
from retrieval.vectors import VectorStore
from tests.fixtures.catalogue import MICHAEL_MANN, most_rated
from tests.fixtures.graph import store_for
from tools.engine import Toolbox
from tools.profile import PreferenceProfile
from tools.stores import StoreConfig, Stores


def test_a_catalogue_over_the_limit_is_ranked_from_the_graph_without_a_snapshot(
    tmp_path: Path,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_server: EmbeddedGraphServer,
    vector_store: VectorStore,
    toolbox: Toolbox,
) -> None:
    graph = store_for(graph_server)  # the loaded test graph, through a store that read no snapshot
    limit = len(small_catalogue.items) - 1  # one item too many for a snapshot
    stores = Stores(StoreConfig(data_dir=tmp_path, state_dir=tmp_path, graph_snapshot_max_items=limit))
    stores._graph, stores._vectors, stores._cf = graph, vector_store, cf_models
    stores._catalogue = small_catalogue
    try:
        big = Toolbox(stores)
        assert toolbox.use_snapshot and not big.use_snapshot
        liked_sets = [
            sorted(MICHAEL_MANN)[:1],
            sorted(MICHAEL_MANN)[1:4],
            most_rated(small_catalogue, 40)[::13],
        ]
        for liked in liked_sets:
            profile = PreferenceProfile(liked_items=liked)
            cypher = big.ranker.rank(profile, k=8)
            memory = toolbox.ranker.rank(profile, k=8)
            assert [i.item_id for i in cypher.items] == [i.item_id for i in memory.items]
            assert [i.evidence for i in cypher.items] == [i.evidence for i in memory.items]
            assert cypher.degraded == [] and any(e.source == "kg" for i in cypher.items for e in i.evidence)
        assert graph._snapshot is None  # never read every movie's links
    finally:
        graph.close()
