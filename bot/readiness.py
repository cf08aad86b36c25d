"""Readiness of one app worker (``GET /readyz``): can it answer a turn right now, and if not, why?

Each check is cheap (a graph ping, the vector count and collection metadata, a database round trip)
so that a load balancer may call it every few seconds. The catalogue check compares the fingerprint of
the catalogue files this worker read with the one ``parley ingest`` recorded in the graph: a worker
started over another catalogue version than the published stores says so and is not ready. With
``PARLEY_ARTIFACTS_DIR`` the ``artifacts`` check compares the published version the worker loaded
(``tools.artifacts``) with its catalogue, the graph's catalogue fingerprint and the fingerprint (and
count) of the vector collection; over another catalogue the worker also refuses to recommend."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.artifacts import published
from tools.errors import StoreUnavailableError

if TYPE_CHECKING:
    from bot.recommender import Recommender


@dataclass
class Probe:
    name: str
    ok: bool
    detail: str
    remote: bool | None = None  # a separate server (or shared files) joined by a setting; None: n/a

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"ok": self.ok, "detail": self.detail}
        if self.remote is not None:
            out["remote"] = self.remote
        return out


def _probe(name: str, check: Callable[[], str], remote: bool | None = None) -> Probe:
    try:
        return Probe(name, True, check(), remote)
    except Exception as error:  # readiness reports every failure, whatever its type
        return Probe(name, False, f"{type(error).__name__}: {error}"[:300], remote)


def _base_url(llm: object) -> str | None:
    return getattr(llm, "base_url", None) or getattr(getattr(llm, "inner", None), "base_url", None)


def llm_probe(llm: object, timeout_s: float = 2.0) -> str:
    """'none' for the template writer, the model list answer of an OpenAI-compatible server, or the
    backend's name for an in-process model."""
    if llm is None:
        return "none (template writer)"
    base_url = _base_url(llm)
    if not base_url:
        return f"{getattr(llm, 'name', type(llm).__name__)} (in process)"
    with urllib.request.urlopen(f"{str(base_url).rstrip('/')}/models", timeout=timeout_s) as response:
        return f"{base_url}: HTTP {response.status}"


class Readiness:
    """The checks of one recommender; the catalogue fingerprint of the worker's files is read once."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        stores = recommender.toolbox.stores
        # the toolbox read it at start (None: no catalogue files here, stores handed over in memory)
        self.local_fingerprint = recommender.toolbox.fingerprint
        self.ratings_fingerprint = recommender.toolbox.ratings_fingerprint()
        try:  # the published version this worker loaded (None: not shared)
            self.release = stores.release()
        except StoreUnavailableError:  # nothing published: the cf check says so
            self.release = None
        self.refusal: str | None = None  # set: the worker refuses to recommend (bot.ui.app)
        if self.release and self.local_fingerprint and self.release.catalogue != self.local_fingerprint:
            self.refusal = (
                f"this worker's catalogue {self.local_fingerprint[:12]} is not the published "
                f"{self.release.summary()}: give it the published catalogue (PARLEY_DATA_DIR), or run "
                "`parley ingest` once over this one, then restart the workers"
            )

    def _artifacts(self) -> str:
        release = self.release
        if release is None:
            return f"not shared (PARLEY_ARTIFACTS_DIR unset): {self.recommender.toolbox.stores.config.cf_dir}"
        if self.refusal:
            raise ValueError(self.refusal)
        stores = self.recommender.toolbox.stores
        graph = stores.graph().fingerprint()
        if graph is not None and graph != release.catalogue:
            raise ValueError(
                f"the graph holds catalogue {graph[:12]}, the published {release.summary()}: "
                "run `parley ingest` once, then restart the workers"
            )
        vectors = stores.vectors()
        recorded = vectors.fingerprint()
        if recorded is not None and recorded != release.vectors:
            raise ValueError(
                f"the vectors differ from the published version {release.version}: the collection's "
                f"fingerprint is {recorded[:12] or 'none (a build is unfinished)'}, the published vectors "
                f"{release.vectors[:12]}: run `parley ingest` once, then restart the workers"
            )
        count = vectors.count()  # the only check left for a collection built before fingerprints
        if count != release.vector_count:
            raise ValueError(
                f"the vector collection holds {count} documents, the published version "
                f"{release.version} {release.vector_count}: run `parley ingest` once, then restart the workers"
            )
        detail = f"{release.summary()} from {release.directory.parent.parent}"
        try:
            now = published(release.directory.parent.parent)
        except StoreUnavailableError:
            return detail
        if now.version != release.version:
            detail += f"; version {now.version} is published since: restart this worker to load it"
        return detail

    def _cf(self) -> str:
        models = self.recommender.toolbox.cf_view.models
        if models.fingerprint != self.ratings_fingerprint:
            raise ValueError(
                "the CF models were trained on other ratings than this worker's catalogue: run "
                "`parley ingest` once, then restart the workers"
            )
        release = self.release
        where = (
            f"published version {release.version}"
            if release
            else str(self.recommender.toolbox.stores.config.cf_dir)
        )
        return f"{len(models.items.ids)} items, ratings {models.fingerprint[:12]}, {where}"

    def _catalogue(self) -> str:
        published = self.recommender.toolbox.stores.graph().fingerprint()
        if self.local_fingerprint is None or published is None:
            return "no fingerprint to compare"
        if published != self.local_fingerprint:
            raise ValueError(
                f"this worker's catalogue {self.local_fingerprint[:12]} differs from the published "
                f"stores' {published[:12]}: run `parley ingest` once, then restart the workers"
            )
        return f"fingerprint {published[:12]}"

    def check(self) -> tuple[bool, dict[str, object]]:
        started = time.perf_counter()
        rec = self.recommender
        stores = rec.toolbox.stores

        cfg = stores.config

        def graph() -> str:
            store = stores.graph()
            store.ping()
            return f"{store.uri}: ok"

        def vectors() -> str:
            count = stores.vectors().count()
            if count == 0:
                raise ValueError("the vector collection is empty: run `parley ingest`")
            return f"{count} documents at {cfg.chroma_url or cfg.chroma_dir}"

        probes = [
            _probe("graph", graph, not cfg.embedded_graph),
            _probe("vectors", vectors, cfg.chroma_url is not None),
            _probe("cf", self._cf, cfg.artifacts_dir is not None),
            _probe("llm", lambda: llm_probe(rec.llm), rec.llm is not None and _base_url(rec.llm) is not None),
            _probe("sessions", rec.store.ping, rec.store.kind != "sqlite"),
            _probe("catalogue", self._catalogue),
            _probe("artifacts", self._artifacts),
        ]
        ready = all(p.ok for p in probes)
        body: dict[str, object] = {
            "ready": ready,
            "checks": {p.name: p.to_json() for p in probes},
            "failing": [p.name for p in probes if not p.ok],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        return ready, body
