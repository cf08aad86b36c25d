"""``/readyz`` and the published artifacts: a worker over the published catalogue is ready and names
the version it loaded; a worker whose catalogue fingerprint differs from the published one is not
ready, says why in ``/readyz`` and refuses to recommend (503 with the same reason)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.readiness import Readiness
from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from retrieval.catalogue import catalogue_fingerprint
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import GraphStore
from retrieval.vectors import VectorStore
from tests.cli.test_commands import write_slice
from tools.artifacts import publish
from tools.engine import Toolbox
from tools.stores import StoreConfig, Stores


@pytest.fixture(scope="module")
def worker(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_store: GraphStore,
    vector_store: VectorStore,
) -> Iterator[tuple[Recommender, Path]]:
    root = tmp_path_factory.mktemp("readiness")
    write_slice(root / "catalogue", set(small_catalogue.items))
    shared = root / "artifacts"
    stores = Stores(StoreConfig(data_dir=root / "catalogue", state_dir=root / "state", artifacts_dir=shared))
    stores._graph, stores._vectors, stores._catalogue = graph_store, vector_store, small_catalogue
    _publish(shared, cf_models, catalogue_fingerprint(root / "catalogue"), vector_store.count())
    recommender = Recommender(Toolbox(stores), None, SqliteSessionStore(root / "sessions.sqlite3"))
    yield recommender, shared
    recommender.store.close()


def _publish(shared: Path, models: CFModels, catalogue: str, count: int, vectors: str = "v" * 64) -> str:
    release, _ = publish(shared, models, catalogue=catalogue, vectors=vectors, vector_count=count)
    return release.version


def _reload(recommender: Recommender) -> Readiness:
    recommender.toolbox.stores._release = None  # a restarted worker reads the published version again
    return Readiness(recommender)


def test_a_worker_over_the_published_catalogue_is_ready(worker: tuple[Recommender, Path]) -> None:
    recommender, shared = worker
    ready, body = _reload(recommender).check()
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["artifacts"]["ok"], checks["artifacts"]
    assert f"from {shared}" in checks["artifacts"]["detail"]
    assert ready, body["failing"]


def test_a_mismatched_catalogue_fingerprint_is_not_ready_and_refuses_to_recommend(
    worker: tuple[Recommender, Path], cf_models: CFModels, vector_store: VectorStore, tmp_path: Path
) -> None:
    recommender, shared = worker
    good = catalogue_fingerprint(recommender.toolbox.stores.config.data_dir)
    other = _publish(shared, cf_models, "f" * 64, vector_store.count())  # another catalogue published
    try:
        readiness = _reload(recommender)
        ready, body = readiness.check()
        assert not ready and "artifacts" in body["failing"]
        detail = body["checks"]["artifacts"]["detail"]  # type: ignore[index]
        assert f"catalogue {good[:12]} is not the published version {other}" in detail
        assert "restart the workers" in detail
        assert readiness.refusal and other in readiness.refusal

        from bot.ui import build_app

        settings = Settings(state_dir=tmp_path, data_dir=tmp_path, rate_limit_per_minute=0)
        with TestClient(build_app(recommender, settings)) as client:
            refused = client.post("/api/chat", json={"message": "I loved Heat"})
            assert refused.status_code == 503 and other in refused.json()["detail"]
            assert client.get("/readyz").json()["checks"]["artifacts"]["ok"] is False
            assert client.get("/healthz").status_code == 200  # alive, only not serving
    finally:
        _publish(shared, cf_models, good, vector_store.count())


def test_a_newer_published_version_is_named_until_the_worker_restarts(
    worker: tuple[Recommender, Path], cf_models: CFModels, vector_store: VectorStore
) -> None:
    recommender, shared = worker
    readiness = _reload(recommender)
    loaded = readiness.release
    assert loaded is not None
    good = loaded.catalogue
    newer = _publish(shared, cf_models, good, vector_store.count(), "w" * 64)  # re-ingested: new vectors
    try:
        ready, body = readiness.check()
        detail = body["checks"]["artifacts"]["detail"]  # type: ignore[index]
        assert ready and newer != loaded.version  # still serving its version: no outage at a roll-out
        assert f"version {newer} is published since: restart this worker" in detail
    finally:
        _publish(shared, cf_models, good, vector_store.count())
