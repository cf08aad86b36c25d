"""A worker over the files ``parley ingest`` writes for a catalogue above ``items_in_memory_max``
(``tools.on_disk``): it never loads the catalogue nor the CF models, and ranks, links, builds cards
and answers a turn as the in-memory worker does; files of another catalogue are not used."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from retrieval.catalogue import catalogue_fingerprint
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import GraphStore
from retrieval.vectors import VectorStore
from tests.cli.test_commands import write_slice
from tests.fixtures.catalogue import MICHAEL_MANN, most_rated
from tools.card_facts import CatalogueCardFacts
from tools.engine import Toolbox
from tools.ingest import write_worker_files
from tools.item_store import DiskItemTable
from tools.linking.disk_names import DiskNames
from tools.on_disk import open_on_disk, read_manifest
from tools.profile import PreferenceProfile
from tools.stores import StoreConfig, Stores


def _stores(data: Path, state: Path, graph: GraphStore, vectors: VectorStore) -> Stores:
    config = StoreConfig(data_dir=data, state_dir=state, items_in_memory_max=10, items_cache_rows=50)
    stores = Stores(config)
    stores._graph, stores._vectors = graph, vectors  # the graph and vector servers every worker asks
    return stores


def test_a_worker_over_the_ingested_files_never_loads_the_catalogue(
    tmp_path: Path,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_store: GraphStore,
    vector_store: VectorStore,
    toolbox: Toolbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, state = tmp_path / "catalogue", tmp_path / "state"
    write_slice(data, set(small_catalogue.items))
    ingesting = _stores(data, state, graph_store, vector_store)
    root = write_worker_files(
        ingesting, small_catalogue, cf_models, catalogue_fingerprint(data), state / "items"
    )
    manifest = read_manifest(root)
    assert manifest is not None and manifest.catalogue == catalogue_fingerprint(data)
    assert manifest.items == len(small_catalogue.items) and manifest.ratings == cf_models.fingerprint

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the worker loaded what the files hold")

    monkeypatch.setattr(Stores, "catalogue", refuse)
    monkeypatch.setattr(CFModels, "load", refuse)
    monkeypatch.setattr("tools.engine.write_on_disk", refuse)
    worker = Toolbox(_stores(data, state, graph_store, vector_store))
    assert worker.on_disk and isinstance(worker.items, DiskItemTable)
    assert isinstance(worker.index.names, DiskNames) and isinstance(worker.stores.cf().svd.qi, np.memmap)
    assert worker.genres == toolbox.genres and worker.ratings_fingerprint() == cf_models.fingerprint

    popular = most_rated(small_catalogue, 40)
    cards = CatalogueCardFacts(small_catalogue)
    assert all(worker.card_facts.get(i) == cards.get(i) for i in popular)
    assert worker.card_facts.get(popular[0]).facts["cast"]  # type: ignore[union-attr]  # billing order kept
    for text in ("I loved Heat and Collateral", "something with Tom Hanks, not a comedy"):
        assert worker.index.find_mentions(text) == toolbox.index.find_mentions(text)
    for profile in (
        PreferenceProfile(liked_items=sorted(MICHAEL_MANN)[:2]),
        PreferenceProfile(liked_items=popular[::13], genres_in=["Comedy"]),
        PreferenceProfile(genres_in=["Drama"], runtime_max=120),
    ):
        ranked, expected = worker.ranker.rank(profile, k=8), toolbox.ranker.rank(profile, k=8)
        assert [i.item_id for i in ranked.items] == [i.item_id for i in expected.items]
        assert [i.evidence for i in ranked.items] == [i.evidence for i in expected.items]

    recommender = Recommender(worker, None, SqliteSessionStore(tmp_path / "sessions.sqlite3"))
    try:
        reply = recommender.new_session().respond("I loved Heat, something similar please")
    finally:
        recommender.store.close()
    heat = min(MICHAEL_MANN)
    assert reply.recommendations and heat not in {r.item_id for r in reply.recommendations}


def test_files_of_another_catalogue_are_not_used(
    tmp_path: Path, small_catalogue: Catalogue, cf_models: CFModels, graph_store: GraphStore
) -> None:
    data = tmp_path / "catalogue"
    write_slice(data, set(small_catalogue.items))
    stores = _stores(data, tmp_path / "state", graph_store, None)  # type: ignore[arg-type]
    root = write_worker_files(
        stores, small_catalogue, cf_models, catalogue_fingerprint(data), tmp_path / "items"
    )
    assert open_on_disk(root, catalogue_fingerprint(data), 50) is not None
    assert open_on_disk(root, "another catalogue", 50) is None
    assert open_on_disk(tmp_path / "nothing here", catalogue_fingerprint(data), 50) is None
