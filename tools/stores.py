"""Opens the three stores (graph, vectors, CF) from one plain config (``StoreConfig``).

``bot`` reaches the stores only through this module (imports flow retrieval -> tools -> bot); building
them from a catalogue is ``tools.ingest``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from retrieval.catalogue import load_catalogue
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.cf.training import CFParams
from retrieval.errors import ParleyError, StoreUnavailableError
from retrieval.graph import EmbeddedGraphServer, GraphStore
from retrieval.vectors import VectorStore
from tools.artifacts import Release, load_models, published

log = logging.getLogger(__name__)
SHIPPED_EMBEDDINGS = "embeddings"  # data/<this>: precomputed vectors for the bundled catalogue
ITEMS = "items"  # <state_dir>/<this> or <published version>/<this>: the files of tools.on_disk


class StoreConfig(BaseModel):
    """Everything needed to open the stores: the one definition of these settings.

    ``bot.settings.Settings`` inherits these fields, so each is also set by env ``PARLEY_<NAME>``
    (``PARLEY_NEO4J_URI``, ``PARLEY_CF_SEED``...); ``store_config(settings)`` takes them back out."""

    model_config = ConfigDict(frozen=True)

    # --- data and state -----------------------------------------------------------------------
    data_dir: Path = Field(description="catalogue directory")
    state_dir: Path = Field(description="built stores, models, logs")

    # --- knowledge graph ----------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None, description="use this Neo4j/Bolt server instead of the embedded one"
    )
    neo4j_user: str = Field(default="neo4j", description="user of the PARLEY_NEO4J_URI server")
    neo4j_password: SecretStr | None = Field(
        default=None, description="password of the PARLEY_NEO4J_URI server (never printed)"
    )
    neo4j_database: str = Field(default="movies", description="graph database name")
    graph_bolt_port: int = Field(
        default=0,
        description="embedded ArcadeDB Bolt port; 0 (default) = a free one, recorded in "
        "<state_dir>/graph/server.json",
    )
    graph_http_port: int = Field(
        default=0, description="embedded ArcadeDB HTTP port; 0 (default) = a free one"
    )
    graph_heap_mb: int = Field(default=1024, description="Java heap of the embedded graph server (MB)")
    graph_start_timeout_s: float = Field(
        default=60.0, description="seconds to wait for the embedded graph server to start"
    )
    graph_query_timeout_s: float = Field(default=10.0, description="seconds one graph query may take")
    graph_snapshot_max_items: int = Field(
        default=100_000,
        ge=0,
        description="largest catalogue (items) whose graph links each worker keeps in memory (the "
        "snapshot the ranker reads); a bigger one is read per request from the graph with bounded "
        "Cypher queries instead (`parley bench scale` measures both); 0 = never keep a snapshot",
    )
    items_in_memory_max: int = Field(
        default=100_000,
        ge=0,
        description="largest catalogue (items) whose item table, entity names, card facts and CF "
        "arrays each worker holds in memory; for a bigger one `parley ingest` (or the first worker) "
        "writes them under `<state_dir>/items/`: the item table and card facts in a SQLite file (rows "
        "read per request through an LRU cache of PARLEY_ITEMS_CACHE_ROWS), the names in another, the CF "
        "arrays memory-mapped (pages shared by a host's workers); a worker whose catalogue files match "
        "opens them without loading the catalogue, with the same rankings (`parley bench scale` "
        "measures both); 0 = always on disk",
    )
    items_cache_rows: int = Field(
        default=20_000, ge=1, description="item rows an on-disk item table keeps in memory (LRU)"
    )

    # --- vector store -------------------------------------------------------------------------
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL; unset = persistent client on disk"
    )
    chroma_collection: str = Field(default="parley_items", description="Chroma collection of the items")

    # --- collaborative filtering --------------------------------------------------------------
    cf_svd_factors: int = Field(default=100, description="latent factors of the SVD model")
    cf_svd_epochs: int = Field(default=40, description="training epochs of the SVD model")
    cf_knn_k: int = Field(default=40, description="neighbours of the item-kNN model")
    cf_seed: int = Field(default=0, description="random seed of CF training")
    artifacts_dir: Path | None = Field(
        default=None,
        description="shared directory where `parley ingest` publishes the CF models and the catalogue "
        "and vector fingerprints under a version; every worker loads the published version (and "
        "refuses to recommend over another catalogue). Unset: <state_dir>/cf, this host only",
    )

    @property
    def embedded_graph(self) -> bool:
        return self.neo4j_uri is None

    @property
    def graph_dir(self) -> Path:
        return self.state_dir / "graph"

    @property
    def chroma_dir(self) -> Path:
        return self.state_dir / "chroma"

    @property
    def cf_dir(self) -> Path:
        return self.state_dir / "cf"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.state_dir / "embeddings"

    def cf_params(self) -> CFParams:
        return CFParams(
            svd_factors=self.cf_svd_factors,
            svd_epochs=self.cf_svd_epochs,
            knn_k=self.cf_knn_k,
            seed=self.cf_seed,
        )


class Stores:
    """Lazily opened stores; ``close()`` releases them (and stops an embedded graph we started)."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.server: EmbeddedGraphServer | None = None
        self._graph: GraphStore | None = None
        self._vectors: VectorStore | None = None
        self._cf: CFModels | None = None
        self._release: Release | None = None
        self._catalogue: Catalogue | None = None
        self._recovery: threading.Thread | None = None
        self._recovery_lock = threading.Lock()

    # -- graph ---------------------------------------------------------------------------------
    def start_graph_server(self, keep_running: bool = False) -> EmbeddedGraphServer:
        """Start (or adopt) the embedded graph server. A server this process starts stops when the
        process ends or ``close()`` runs, unless ``keep_running`` (``parley graph start``)."""
        if self.server is None:
            self.server = EmbeddedGraphServer(
                self.config.graph_dir,
                bolt_port=self.config.graph_bolt_port,
                http_port=self.config.graph_http_port,
                database=self.config.neo4j_database,
                heap_mb=self.config.graph_heap_mb,
                start_timeout_s=self.config.graph_start_timeout_s,
                stop_on_exit=not keep_running,
            )
        self.server.start()
        return self.server

    def stop_graph_server(self) -> bool:
        """Stop the running embedded graph server of this state directory (without starting one
        first). False when none runs."""
        server = self.server or EmbeddedGraphServer(
            self.config.graph_dir, database=self.config.neo4j_database
        )
        if not server.attach():
            return False
        server.stop()
        return True

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
            cache_dir = cfg.embedding_cache_dir
            seeds = [cfg.data_dir / SHIPPED_EMBEDDINGS]
            if cfg.chroma_url:
                self._vectors = VectorStore.http(
                    cfg.chroma_url, cfg.chroma_collection, cache_dir=cache_dir, seed_cache_dirs=seeds
                )
            else:
                self._vectors = VectorStore.persistent(
                    cfg.chroma_dir,
                    cfg.chroma_collection,
                    cache_dir=cache_dir,
                    seed_cache_dirs=seeds,
                )
        return self._vectors

    # -- collaborative filtering ---------------------------------------------------------------
    def cf(self) -> CFModels:
        """The published version's models with PARLEY_ARTIFACTS_DIR (never trained here), else
        <state_dir>/cf."""
        if self._cf is None:
            release = self.release()
            self._cf = load_models(release) if release else CFModels.load(self.config.cf_dir)
        return self._cf

    def release(self) -> Release | None:
        """The published version this worker loaded (read once: a new one needs a restart); None
        without PARLEY_ARTIFACTS_DIR. StoreUnavailableError when nothing is published there."""
        if self._release is None and self.config.artifacts_dir is not None:
            self._release = published(self.config.artifacts_dir)
        return self._release

    def cf_params(self) -> CFParams:
        return self.config.cf_params()

    def items_dir(self) -> Path:
        """Where the files of a worker over a big catalogue are (``tools.on_disk``): in the published
        version when ``parley ingest`` wrote them there (every host reads the same), else
        <state_dir>/items (this host's)."""
        try:
            release = self.release()
        except StoreUnavailableError:  # nothing published: the cf check says so
            release = None
        if release is not None and (release.directory / ITEMS).is_dir():
            return release.directory / ITEMS
        return self.config.state_dir / ITEMS

    # -- catalogue -----------------------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue(self.config.data_dir)
        return self._catalogue

    def use_built(self, catalogue: Catalogue, cf: CFModels) -> None:
        """Keep what an ingest just built (no reload from disk)."""
        self._catalogue = catalogue
        self._cf = cf

    def use_models(self, cf: CFModels) -> None:
        """Hand out ``cf`` (the memory-mapped model of a worker over files, ``tools.on_disk``) and let
        the catalogue go: such a worker loads it again only when asked (``parley doctor``, evaluation)."""
        self._cf = cf
        self._catalogue = None

    def without_users(self, user_ids: set[int]) -> Stores:
        """Stores sharing this one's graph and vectors whose catalogue ratings leave out
        ``user_ids`` and whose CF models are trained on what is left, in memory (nothing is saved:
        the built models stay as they are). For held-out-user evaluation."""
        catalogue = self.catalogue()
        ratings = catalogue.ratings[~catalogue.ratings["user_id"].isin(user_ids)].reset_index(drop=True)
        kept = dataclasses.replace(catalogue, ratings=ratings)
        params = dataclasses.replace(self.cf_params(), test_fraction=0.0)
        other = Stores(self.config)
        other.server, other._graph, other._vectors = self.server, self.graph(), self.vectors()
        other.use_built(kept, CFModels.train_on_ratings(ratings, params=params))
        return other

    def close(self, stop_server: bool = False) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
        if self.server is not None:
            # stops a server this process started for its command; leaves an adopted one running
            if stop_server:
                self.server.stop()
            else:
                self.server.close()
