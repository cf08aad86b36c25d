"""Readiness of one app worker (``GET /readyz``): can it answer a turn right now, and if not, why?

Each check is cheap (a graph ping, the vector count, a database round trip) so that a load balancer
may call it every few seconds. The catalogue check compares the fingerprint of the catalogue files
this worker read with the one ``parley ingest`` recorded in the graph: a worker started over another
catalogue version than the published stores says so and is not ready."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.ingest import catalogue_fingerprint, ratings_fingerprint  # what `parley ingest` records

if TYPE_CHECKING:
    from bot.recommender import Recommender


@dataclass
class Probe:
    name: str
    ok: bool
    detail: str


def _probe(name: str, check: Callable[[], str]) -> Probe:
    try:
        return Probe(name, True, check())
    except Exception as error:  # readiness reports every failure, whatever its type
        return Probe(name, False, f"{type(error).__name__}: {error}"[:300])


def llm_probe(llm: object, timeout_s: float = 2.0) -> str:
    """'none' for the template writer, the model list answer of an OpenAI-compatible server, or the
    backend's name for an in-process model."""
    if llm is None:
        return "none (template writer)"
    base_url = getattr(llm, "base_url", None) or getattr(getattr(llm, "inner", None), "base_url", None)
    if not base_url:
        return f"{getattr(llm, 'name', type(llm).__name__)} (in process)"
    with urllib.request.urlopen(f"{str(base_url).rstrip('/')}/models", timeout=timeout_s) as response:
        return f"{base_url}: HTTP {response.status}"


class Readiness:
    """The checks of one recommender; the catalogue fingerprint of the worker's files is read once."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        stores = recommender.toolbox.stores
        try:
            self.local_fingerprint: str | None = catalogue_fingerprint(stores.config.data_dir)
        except Exception:  # no catalogue files here (stores handed over in memory): nothing to compare
            self.local_fingerprint = None
        self.ratings_fingerprint = ratings_fingerprint(stores.catalogue().ratings)

    def _cf(self) -> str:
        models = self.recommender.toolbox.cf_view.models
        if models.fingerprint != self.ratings_fingerprint:
            raise ValueError(
                "the CF models were trained on other ratings than this worker's catalogue: run "
                "`parley ingest` once, then restart the workers"
            )
        return f"{len(models.items.ids)} items, ratings {models.fingerprint[:12]}"

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

        def graph() -> str:
            stores.graph().ping()
            return "ok"

        def vectors() -> str:
            count = stores.vectors().count()
            if count == 0:
                raise ValueError("the vector collection is empty: run `parley ingest`")
            return f"{count} documents"

        probes = [
            _probe("graph", graph),
            _probe("vectors", vectors),
            _probe("cf", self._cf),
            _probe("llm", lambda: llm_probe(rec.llm)),
            _probe("sessions", rec.store.ping),
            _probe("catalogue", self._catalogue),
        ]
        ready = all(p.ok for p in probes)
        body: dict[str, object] = {
            "ready": ready,
            "checks": {p.name: {"ok": p.ok, "detail": p.detail} for p in probes},
            "failing": [p.name for p in probes if not p.ok],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        return ready, body
