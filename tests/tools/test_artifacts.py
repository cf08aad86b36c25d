"""Artifacts built once: ``parley ingest`` with PARLEY_ARTIFACTS_DIR publishes the CF models and the
fingerprints as a version; a second worker (a fresh ``Stores`` over the same artifacts directory with
its own state directory) loads that version without training; publishing again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.catalogue import catalogue_fingerprint
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels, ratings_fingerprint
from retrieval.graph import GraphStore
from retrieval.vectors import VectorStore
from tests.cli.test_commands import write_slice
from tests.fixtures.vectors import SHIPPED_EMBEDDINGS
from tools.artifacts import CURRENT, published
from tools.errors import StoreUnavailableError
from tools.ingest import ingest
from tools.on_disk import read_manifest
from tools.stores import StoreConfig, Stores

FAST = {"cf_svd_factors": 20, "cf_svd_epochs": 10}


def _stores(
    data: Path, state: Path, shared: Path, graph: GraphStore, vectors: VectorStore, items_in_memory: int = 100_000
) -> Stores:
    config = StoreConfig(
        data_dir=data, state_dir=state, artifacts_dir=shared, items_in_memory_max=items_in_memory, **FAST
    )
    stores = Stores(config)
    stores._graph, stores._vectors = graph, vectors  # the remote graph and vectors every worker reads
    return stores


def _no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> CFModels:
        raise AssertionError("a worker trained CF models")

    monkeypatch.setattr(CFModels, "train_on_ratings", refuse)


def test_ingest_publishes_and_a_second_worker_loads_it_without_training(
    tmp_path: Path,
    small_catalogue: Catalogue,
    scratch_graph: GraphStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, shared = tmp_path / "catalogue", tmp_path / "artifacts"
    write_slice(data, set(small_catalogue.items))
    vectors = VectorStore.persistent(
        tmp_path / "chroma", "items", cache_dir=tmp_path / "cache", seed_cache_dirs=[SHIPPED_EMBEDDINGS]
    )
    lines: list[str] = []
    # a catalogue over items_in_memory_max: ingest also writes the files its workers read (tools.on_disk)
    builder = _stores(data, tmp_path / "ingest-state", shared, scratch_graph, vectors, items_in_memory=10)
    report = ingest(builder, log=lines.append)
    manifest = read_manifest(Path(report.details["on_disk"]))
    assert manifest is not None and manifest.catalogue == catalogue_fingerprint(data)
    assert manifest.items == report.items and manifest.ratings == builder.cf().fingerprint
    assert Path(report.details["on_disk"]) == published(shared).directory / "items"  # shared by every host

    release = published(shared)
    assert report.details["published"] == release.version
    assert release.catalogue == catalogue_fingerprint(data) == scratch_graph.fingerprint()
    assert release.ratings == ratings_fingerprint(builder.catalogue().ratings)
    assert release.vector_count == vectors.count() == report.items
    assert release.vectors == vectors.fingerprint()  # what /readyz compares: the collection records it
    assert release.graph_counts["Movie"] == report.items
    assert (release.cf_dir / "manifest.json").is_file()
    assert json.loads((shared / CURRENT).read_text())["version"] == release.version

    lines.clear()
    again = ingest(builder, log=lines.append)  # same catalogue: same version, nothing retrained
    assert again.details["published"] == release.version
    assert any("CF models are up to date" in line for line in lines)
    assert any("already published" in line for line in lines)

    _no_training(monkeypatch)
    worker_state = tmp_path / "worker-state"
    worker = _stores(data, worker_state, shared, scratch_graph, vectors)
    models = worker.cf()
    assert models.fingerprint == release.ratings
    assert worker.release() == release
    assert not (worker_state / "cf").exists()  # nothing of its own read or written
    assert worker.items_dir() == release.directory / "items"  # a worker over it reads those files
    assert models.predict_user(*_a_rating(builder)) == pytest.approx(
        builder.cf().predict_user(*_a_rating(builder))
    )

    # an ingest host with a fresh state directory reuses the published models instead of training
    fresh = _stores(data, tmp_path / "other-ingest-state", shared, scratch_graph, vectors)
    assert ingest(fresh, log=lines.append).details["published"] == release.version


def _a_rating(stores: Stores) -> tuple[int, int]:
    row = stores.catalogue().ratings.iloc[0]
    return int(row["user_id"]), int(row["item_id"])


def test_a_worker_without_a_published_version_says_to_run_ingest(tmp_path: Path) -> None:
    stores = Stores(StoreConfig(data_dir=tmp_path, state_dir=tmp_path, artifacts_dir=tmp_path / "empty"))
    with pytest.raises(StoreUnavailableError) as raised:
        stores.cf()
    assert "nothing published" in raised.value.problem and "PARLEY_ARTIFACTS_DIR" in raised.value.fix
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / CURRENT).write_text('{"version": "gone"}')
    with pytest.raises(StoreUnavailableError, match="unreadable"):
        published(tmp_path / "empty")
