"""Ingest: validate a catalogue completely, then build the three stores from it (idempotent).

Nothing is written anywhere until the whole catalogue has validated, so a broken file leaves every
store as it was. The graph and the vectors skip what is unchanged; the CF models are retrained only when
the ratings changed. With ``PARLEY_ARTIFACTS_DIR`` the CF models and the fingerprints are then
published there as one version (``tools.artifacts``), which the workers load. A catalogue above
``items_in_memory_max`` also gets the files its workers read instead of holding (``tools.on_disk``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.catalogue import catalogue_fingerprint, load_catalogue
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels, ratings_fingerprint
from retrieval.errors import StoreUnavailableError
from tools.artifacts import publish, published, vectors_fingerprint
from tools.item_table import ItemTable
from tools.linking import linkable_names
from tools.on_disk import write_on_disk
from tools.stores import ITEMS, Stores

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
    details: dict[str, Any] = {"vectors_embedded": report.embedded, "vectors_unchanged": report.unchanged}
    items_dir = stores.config.state_dir / ITEMS
    if stores.config.artifacts_dir is not None:
        started = time.perf_counter()
        release, written = publish(
            stores.config.artifacts_dir,
            models,
            catalogue=fingerprint,
            vectors=vectors_fingerprint(catalogue, stores.vectors().embedding_function.model_name),
            vector_count=report.total,
            graph_counts=graph_counts,
        )
        seconds["publish"] = _since(started)
        details["published"] = release.version
        items_dir = release.directory / ITEMS  # every worker of the site reads the same files
        log(f"[ingest] {'published' if written else 'already published:'} {release.summary()}")
    if len(catalogue.items) > stores.config.items_in_memory_max:
        started = time.perf_counter()
        details["on_disk"] = str(write_worker_files(stores, catalogue, models, fingerprint, items_dir))
        seconds["on_disk"] = _since(started)
        log(f"[ingest] item table, names and CF arrays written for the workers under {details['on_disk']}")
    stores.use_built(catalogue, models)
    return IngestReport(
        items=len(catalogue.items),
        ratings=len(catalogue.ratings),
        facts=len(catalogue.facts),
        graph_counts=graph_counts,
        vector_count=report.total,
        cf_metrics=models.metrics,
        seconds=seconds,
        details=details,
    )


def _cf_models(stores: Stores, catalogue: Catalogue, log: Callable[[str], None]) -> CFModels:
    """The saved CF models (here, or the published version) when they were trained on these ratings,
    else freshly trained and saved."""
    cf_dir = stores.config.cf_dir
    expected = ratings_fingerprint(catalogue.ratings)
    candidates = [cf_dir]
    if stores.config.artifacts_dir is not None:
        with suppress(StoreUnavailableError):  # nothing published yet
            candidates.append(published(stores.config.artifacts_dir).cf_dir)
    for directory in candidates:
        try:
            models = CFModels.load(directory, expect_fingerprint=expected)
        except StoreUnavailableError:
            continue
        log("[ingest] CF models are up to date (no retraining)")
        return models
    models = CFModels.train(catalogue, params=stores.cf_params(), log=log)
    models.save(cf_dir)
    return models


def write_worker_files(
    stores: Stores, catalogue: Catalogue, models: CFModels, fingerprint: str, root: Path
) -> Path:
    """The files a worker reads instead of holding them (``tools.on_disk``), for a catalogue above
    ``items_in_memory_max``, under ``root`` (the published version's, or <state_dir>/items): written
    once here, so no worker builds them at start."""
    table = ItemTable.from_catalogue(catalogue)
    write_on_disk(root, catalogue, table, models, linkable_names(stores.graph, table, catalogue), fingerprint)
    return root


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _phase(progress: Progress | None, name: str, two: bool = False) -> Any:
    if progress is None:
        return None
    if two:
        return lambda done, total: progress(name, done, total)
    return lambda phase, done, total: progress(f"{name}:{phase}", done, total)
