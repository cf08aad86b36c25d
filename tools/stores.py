"""Opens the three stores (graph, vectors, CF) from one plain config, and builds them (ingest).

``bot`` reaches the stores only through this module (imports flow retrieval -> tools -> bot).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from retrieval.catalogue import catalogue_fingerprint, load_catalogue
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.cf.training import CFParams
from retrieval.errors import ParleyError, StoreUnavailableError
from retrieval.graph import GraphStore
from retrieval.graph_server import EmbeddedGraphServer
from retrieval.vectors import VectorStore

Progress = Callable[[str, int, int], None]
log = logging.getLogger(__name__)
SHIPPED_EMBEDDINGS = "embeddings"  # data/<this>: precomputed vectors for the bundled catalogue


class StoreConfig(BaseModel):
    """Everything needed to open the stores (built from ``bot.settings.Settings``)."""

    model_config = ConfigDict(frozen=True)

    data_dir: Path
    state_dir: Path
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "movies"
    graph_bolt_port: int = 7687
    graph_http_port: int = 2480
    graph_heap_mb: int = 1024
    graph_start_timeout_s: float = 60.0
    graph_query_timeout_s: float = 10.0
    chroma_url: str | None = None
    chroma_collection: str = "parley_items"
    cf_svd_factors: int = 100
    cf_svd_epochs: int = 40
    cf_knn_k: int = 40
    cf_seed: int = 0

    @property
    def embedded_graph(self) -> bool:
        return self.neo4j_uri is None


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


class Stores:
    """Lazily opened stores; ``close()`` releases them (and stops an embedded graph we started)."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.server: EmbeddedGraphServer | None = None
        self._graph: GraphStore | None = None
        self._vectors: VectorStore | None = None
        self._cf: CFModels | None = None
        self._catalogue: Catalogue | None = None
        self._recovery: threading.Thread | None = None
        self._recovery_lock = threading.Lock()

    # -- graph ---------------------------------------------------------------------------------
    def start_graph_server(self) -> EmbeddedGraphServer:
        if self.server is None:
            self.server = EmbeddedGraphServer(
                self.config.state_dir / "graph",
                bolt_port=self.config.graph_bolt_port,
                http_port=self.config.graph_http_port,
                database=self.config.neo4j_database,
                heap_mb=self.config.graph_heap_mb,
                start_timeout_s=self.config.graph_start_timeout_s,
                stop_on_exit=False,
            )
        self.server.start()
        return self.server

    def graph(self) -> GraphStore:
        if self._graph is None:
            cfg = self.config
            if cfg.embedded_graph:
                server = self.start_graph_server()
                uri, (user, password) = server.uri, server.auth
            else:
                uri, user = str(cfg.neo4j_uri), cfg.neo4j_user
                password = cfg.neo4j_password.get_secret_value() if cfg.neo4j_password else ""
            self._graph = GraphStore(uri, user, password, cfg.neo4j_database, cfg.graph_query_timeout_s)
        return self._graph

    def ensure_graph(self) -> GraphStore:
        """The graph, restarting the embedded server if its process died (outage recovery)."""
        if self.server is not None and not self.server.is_running():
            self.server.ensure_running()
        return self.graph()

    def recover_graph(self) -> bool:
        """Restart a dead embedded graph server in a background thread (one at a time), so the turn
        that noticed the outage still answers at once. True when a restart was started."""
        server = self.server
        if server is None or server.is_running():
            return False
        with self._recovery_lock:
            if self._recovery is not None and self._recovery.is_alive():
                return False
            self._recovery = threading.Thread(target=self._restart_graph, name="graph-restart", daemon=True)
            self._recovery.start()
        return True

    def _restart_graph(self) -> None:
        log.warning("the graph server is down; restarting it")
        try:
            self.ensure_graph()
        except ParleyError as error:
            log.warning("could not restart the graph server: %s", error)
            return
        log.warning("the graph server is back")

    # -- vectors -------------------------------------------------------------------------------
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            cfg = self.config
            cache_dir = cfg.state_dir / "embeddings"
            seeds = [cfg.data_dir / SHIPPED_EMBEDDINGS]
            if cfg.chroma_url:
                self._vectors = VectorStore.http(
                    cfg.chroma_url, cfg.chroma_collection, cache_dir=cache_dir, seed_cache_dirs=seeds
                )
            else:
                self._vectors = VectorStore.persistent(
                    cfg.state_dir / "chroma",
                    cfg.chroma_collection,
                    cache_dir=cache_dir,
                    seed_cache_dirs=seeds,
                )
        return self._vectors

    # -- collaborative filtering ---------------------------------------------------------------
    def cf(self) -> CFModels:
        if self._cf is None:
            self._cf = CFModels.load(self.config.state_dir / "cf")
        return self._cf

    def cf_params(self) -> CFParams:
        cfg = self.config
        return CFParams(
            svd_factors=cfg.cf_svd_factors, svd_epochs=cfg.cf_svd_epochs, knn_k=cfg.cf_knn_k, seed=cfg.cf_seed
        )

    # -- catalogue -----------------------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue(self.config.data_dir)
        return self._catalogue

    def close(self, stop_server: bool = False) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
        if stop_server and self.server is not None:
            self.server.stop()

    # -- build ---------------------------------------------------------------------------------
    def ingest(
        self,
        data_dir: Path | None = None,
        progress: Progress | None = None,
        log: Callable[[str], None] = print,
    ) -> IngestReport:
        """Validate the catalogue completely, then build the three stores (idempotent).

        Nothing is written anywhere until the whole catalogue has validated, so a broken file
        leaves every store as it was.
        """
        source = data_dir or self.config.data_dir
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        catalogue = load_catalogue(source)  # raises CatalogueError naming file, line and problem
        fingerprint = catalogue_fingerprint(source)
        seconds["validate"] = _since(started)
        self._catalogue = catalogue

        started = time.perf_counter()
        graph = self.graph()
        graph.load(catalogue, progress=_phase(progress, "graph"), fingerprint=fingerprint)
        graph_counts = graph.counts()
        seconds["graph"] = _since(started)

        started = time.perf_counter()
        report = self.vectors().build(catalogue, progress=_phase(progress, "vectors", two=True))
        seconds["vectors"] = _since(started)

        started = time.perf_counter()
        cf_dir = self.config.state_dir / "cf"
        try:
            models = CFModels.load(cf_dir, expect_fingerprint=_ratings_fp(catalogue))
            log("[ingest] CF models are up to date (no retraining)")
        except StoreUnavailableError:
            models = CFModels.train(catalogue, params=self.cf_params(), log=log)
            models.save(cf_dir)
        self._cf = models
        seconds["cf"] = _since(started)
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


def _ratings_fp(catalogue: Catalogue) -> str:
    from retrieval.cf.models import ratings_fingerprint

    return ratings_fingerprint(catalogue.ratings)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _phase(progress: Progress | None, name: str, two: bool = False) -> Any:
    if progress is None:
        return None
    if two:
        return lambda done, total: progress(name, done, total)
    return lambda phase, done, total: progress(f"{name}:{phase}", done, total)
