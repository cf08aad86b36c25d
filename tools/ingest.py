"""Ingest: validate a catalogue completely, then build the three stores from it (idempotent).

Nothing is written anywhere until the whole catalogue has validated, so a broken file leaves every
store as it was. The graph and the vectors skip what is unchanged; the CF models are retrained only when
the ratings changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.catalogue import catalogue_fingerprint, load_catalogue
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels, ratings_fingerprint
from retrieval.errors import StoreUnavailableError
from tools.stores import Stores

Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    items: int
    ratings: int
    facts: int
    graph_counts: dict[str, int]
    vector_count: int
    cf_metrics: dict[str, float]
    seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def ingest(
    stores: Stores,
    data_dir: Path | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> IngestReport:
    """Validate the catalogue in ``data_dir`` (default: the stores' ``data_dir``), then build the
    graph, the vectors and the CF models of ``stores``."""
    source = data_dir or stores.config.data_dir
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    catalogue = load_catalogue(source)  # raises CatalogueError naming file, line and problem
    fingerprint = catalogue_fingerprint(source)
    seconds["validate"] = _since(started)

    started = time.perf_counter()
    graph = stores.graph()
    graph.load(catalogue, progress=_phase(progress, "graph"), fingerprint=fingerprint)
    graph_counts = graph.counts()
    seconds["graph"] = _since(started)

    started = time.perf_counter()
    report = stores.vectors().build(catalogue, progress=_phase(progress, "vectors", two=True))
    seconds["vectors"] = _since(started)

    started = time.perf_counter()
    models = _cf_models(stores, catalogue, log)
    seconds["cf"] = _since(started)
    stores.use_built(catalogue, models)
    return IngestReport(
        items=len(catalogue.items),
        ratings=len(catalogue.ratings),
        facts=len(catalogue.facts),
        graph_counts=graph_counts,
        vector_count=report.total,
        cf_metrics=models.metrics,
        seconds=seconds,
        details={"vectors_embedded": report.embedded, "vectors_unchanged": report.unchanged},
    )


def _cf_models(stores: Stores, catalogue: Catalogue, log: Callable[[str], None]) -> CFModels:
    """The saved CF models when they were trained on these ratings, else freshly trained and saved."""
    cf_dir = stores.config.cf_dir
    try:
        models = CFModels.load(cf_dir, expect_fingerprint=ratings_fingerprint(catalogue.ratings))
        log("[ingest] CF models are up to date (no retraining)")
    except StoreUnavailableError:
        models = CFModels.train(catalogue, params=stores.cf_params(), log=log)
        models.save(cf_dir)
    return models


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _phase(progress: Progress | None, name: str, two: bool = False) -> Any:
    if progress is None:
        return None
    if two:
        return lambda done, total: progress(name, done, total)
    return lambda phase, done, total: progress(f"{name}:{phase}", done, total)
