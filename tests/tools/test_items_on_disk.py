"""Above ``items_in_memory_max`` a worker keeps its item table in a SQLite file (rows read per request
through an LRU cache) and memory-maps its CF arrays: the same rows, the same arrays, and the ranker
ranks exactly as with everything in memory (real stores of the small catalogue)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.catalogue_types import Catalogue
from retrieval.cf.mapped import load_mapped, save_mapped
from retrieval.cf.models import CFModels
from retrieval.graph import GraphStore
from retrieval.vectors import VectorStore
from tests.fixtures.catalogue import MICHAEL_MANN, most_rated
from tools.engine import Toolbox
from tools.item_store import DiskItemTable
from tools.item_table import ItemTable
from tools.profile import PreferenceProfile
from tools.stores import StoreConfig, Stores


def test_the_item_store_holds_the_same_rows_in_the_same_order(
    tmp_path: Path, small_catalogue: Catalogue
) -> None:
    table = ItemTable.from_catalogue(small_catalogue)
    disk = DiskItemTable.write(table, tmp_path / "items.sqlite3", cache_size=10)
    assert len(disk.rows) == len(table.rows) and disk.latest_year == table.latest_year
    assert list(disk.rows) == list(table.rows)
    assert list(disk.rows.values()) == list(table.rows.values())  # streamed, in table order
    some = most_rated(small_catalogue, 40)
    assert all(disk.rows[i] == table.rows[i] and i in disk for i in some)
    assert len(disk.rows._cache) == 10  # type: ignore[attr-defined]  # bounded LRU
    assert disk.similarity(some[0], some[1]) == table.similarity(some[0], some[1])
    missing = max(table.rows) + 1
    assert missing not in disk and disk.get(missing) is None
    with pytest.raises(KeyError):
        disk.rows[missing]


def test_the_mapped_cf_model_has_the_same_arrays(tmp_path: Path, cf_models: CFModels) -> None:
    mapped = load_mapped(save_mapped(cf_models, tmp_path / "cf"))
    assert isinstance(mapped.svd.qi, np.memmap) and not mapped.svd.qi.flags.writeable
    for a, b in [
        (mapped.svd.qi, cf_models.svd.qi),
        (mapped.knn.similarity, cf_models.knn.similarity),
        (mapped.stats.mean, cf_models.stats.mean),
        (mapped.ratings.values, cf_models.ratings.values),
    ]:
        assert np.array_equal(a, b, equal_nan=True)
    some = int(cf_models.items.ids[3])
    assert mapped.neighbours(some, 5) == cf_models.neighbours(some, 5)
    assert mapped.fingerprint == cf_models.fingerprint


def test_a_catalogue_over_the_limit_ranks_the_same_from_disk(
    tmp_path: Path,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_store: GraphStore,
    vector_store: VectorStore,
    toolbox: Toolbox,
) -> None:
    limit = len(small_catalogue.items) - 1  # one item too many for memory
    config = StoreConfig(
        data_dir=tmp_path, state_dir=tmp_path, items_in_memory_max=limit, items_cache_rows=50
    )
    stores = Stores(config)
    stores._graph, stores._vectors, stores._cf = graph_store, vector_store, cf_models
    stores._catalogue = small_catalogue
    big = Toolbox(stores)
    assert big.on_disk and not toolbox.on_disk
    assert isinstance(big.items, DiskItemTable) and isinstance(stores.cf().svd.qi, np.memmap)
    heat, collateral = sorted(MICHAEL_MANN)[:2]
    popular = most_rated(small_catalogue, 40)
    profiles = [
        PreferenceProfile(liked_items=[heat]),
        PreferenceProfile(liked_items=sorted(MICHAEL_MANN)[1:4], disliked_items=[popular[0]]),
        PreferenceProfile(liked_items=popular[::13], genres_in=["Comedy"]),
        PreferenceProfile(genres_in=["Drama"], runtime_max=120),  # popularity ranks every item
        PreferenceProfile(liked_items=[collateral], year_min=1990, languages=["en"]),
        PreferenceProfile(),
    ]
    for profile in profiles:
        for diversify in (True, False):
            disk = big.ranker.rank(profile, k=8, diversify=diversify)
            memory = toolbox.ranker.rank(profile, k=8, diversify=diversify)
            assert [i.item_id for i in disk.items] == [i.item_id for i in memory.items]
            assert [i.score for i in disk.items] == [i.score for i in memory.items]
            assert [i.evidence for i in disk.items] == [i.evidence for i in memory.items]
            assert disk.degraded == memory.degraded
    assert len(big.items.rows._cache) <= 50  # type: ignore[attr-defined]
