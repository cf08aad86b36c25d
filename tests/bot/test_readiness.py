"""``/readyz`` and the published artifacts: a worker over the published catalogue is ready and names
the version it loaded; a worker whose catalogue fingerprint differs from the published one is not
ready, says why in ``/readyz`` and refuses to recommend (503 with the same reason); a vector
collection whose fingerprint is not the published one (with the same count) is not ready either."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.readiness import Readiness
from bot.recommender import Recommender
from bot.settings import Settings
from retrieval.catalogue import catalogue_fingerprint
from retrieval.cf.models import CFModels
from retrieval.vectors import VectorStore
from tests.fixtures.artifacts import PublishedWorkerFactory
from tools.artifacts import publish


@pytest.fixture(scope="module")
def worker(published_worker: PublishedWorkerFactory) -> Iterator[tuple[Recommender, Path]]:
    with published_worker("readiness") as published:  # its own catalogue's fingerprint published
        yield published.recommender, published.artifacts


def _publish(
    shared: Path, models: CFModels, catalogue: str, store: VectorStore, vectors: str | None = None
) -> str:
    """Publish ``catalogue`` with the store's count and, unless told otherwise, its recorded fingerprint."""
    fingerprint = vectors if vectors is not None else store.fingerprint()
    assert fingerprint, "the built collection records its fingerprint"
    release, _ = publish(shared, models, catalogue=catalogue, vectors=fingerprint, vector_count=store.count())
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
    other = _publish(shared, cf_models, "f" * 64, vector_store)  # another catalogue published
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
        _publish(shared, cf_models, good, vector_store)


def test_a_newer_published_version_is_named_until_the_worker_restarts(
    worker: tuple[Recommender, Path], cf_models: CFModels, vector_store: VectorStore
) -> None:
    recommender, shared = worker
    readiness = _reload(recommender)
    loaded = readiness.release
    assert loaded is not None
    good = loaded.catalogue
    newer = _publish(shared, cf_models, good, vector_store, "w" * 64)  # re-ingested: new vectors
    try:
        ready, body = readiness.check()
        detail = body["checks"]["artifacts"]["detail"]  # type: ignore[index]
        assert ready and newer != loaded.version  # still serving its version: no outage at a roll-out
        assert f"version {newer} is published since: restart this worker" in detail
    finally:
        _publish(shared, cf_models, good, vector_store)


def test_vectors_with_another_fingerprint_and_the_same_count_are_not_ready(
    worker: tuple[Recommender, Path], cf_models: CFModels, vector_store: VectorStore, tmp_path: Path
) -> None:
    recommender, shared = worker
    good = catalogue_fingerprint(recommender.toolbox.stores.config.data_dir)
    recorded = vector_store.fingerprint()
    assert recorded
    other = _publish(shared, cf_models, good, vector_store, "e" * 64)  # same catalogue and count
    try:
        readiness = _reload(recommender)
        assert readiness.release is not None and readiness.release.vector_count == vector_store.count()
        assert readiness.refusal is None  # the catalogue matches: only the vectors differ

        from bot.ui import build_app

        settings = Settings(state_dir=tmp_path, data_dir=tmp_path, rate_limit_per_minute=0)
        with TestClient(build_app(recommender, settings)) as client:
            response = client.get("/readyz")
        body = response.json()
        assert response.status_code == 503 and body["failing"] == ["artifacts"], body
        detail = body["checks"]["artifacts"]["detail"]
        assert f"the vectors differ from the published version {other}" in detail
        assert f"fingerprint is {recorded[:12]}, the published vectors {'e' * 12}" in detail
        assert body["checks"]["vectors"]["ok"]  # the collection itself answers
    finally:
        _publish(shared, cf_models, good, vector_store)
    assert _reload(recommender).check()[0]  # the true fingerprint published again: ready
