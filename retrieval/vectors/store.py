"""The vector store: one Chroma document per catalogue item, searched by meaning with metadata filters.

Embeddings always travel explicitly: ``build`` passes the vectors (from the content-hash cache or the
model) to ``upsert`` and ``query`` passes a query vector, so Chroma never embeds anything itself and a
collection reopened without our embedding function cannot silently fall back to Chroma's default
(which would try to download an ONNX model). The collection still records our registered
embedding function (``parley-minilm-l6-v2``), so other clients that import ``retrieval.vectors.embeddings``
get the right function for ``query_texts``.

Two modes: ``VectorStore.persistent(path)`` (embedded, on disk) and ``VectorStore.http(url)``
(a ``chroma run`` server). Connection problems and a missing collection raise
``StoreUnavailableError("vector", ...)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import numpy as np

from retrieval.catalogue_types import Catalogue
from retrieval.errors import StoreUnavailableError
from retrieval.vectors.documents import catalogue_documents, documents_fingerprint
from retrieval.vectors.embeddings import EmbeddingCache, MiniLMEmbeddingFunction, content_key
from retrieval.vectors.filter import MetadataFilter
from retrieval.vectors.query import BuildReport, VectorHit, build_where, vector_hits

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

INGEST_FIX = "run `parley ingest`"
MAX_BATCH = 5000  # Chroma accepts at most 5,461 records per call
FINGERPRINT = "parley_fingerprint"  # collection metadata: documents_fingerprint of the finished build
Progress = Callable[[int, int], None]


class VectorStore:
    """Semantic search over catalogue items. Build with ``build``; search with ``query``."""

    def __init__(
        self,
        client: ClientAPI,
        collection: str,
        *,
        where: str,
        fix: str = INGEST_FIX,
        embedding_function: MiniLMEmbeddingFunction | None = None,
        cache: EmbeddingCache | None = None,
    ) -> None:
        if len(collection) < 3:
            raise ValueError("Chroma collection names need at least 3 characters")
        self.client = client
        self.collection_name = collection
        self.where = where
        self.fix = fix
        self.embedding_function = embedding_function or MiniLMEmbeddingFunction()
        self.cache = cache if cache is not None else EmbeddingCache()
        self._collection: Collection | None = None
        # id -> (document, title): fetched once per document; cleared when this store writes
        self._texts: dict[str, tuple[str, str]] = {}
        self._item_vectors: dict[str, np.ndarray] = {}
        self._filter = MetadataFilter()  # a filter resolved to ids in memory: see retrieval.vectors.filter

    # ------------------------------------------------------------ constructors
    @classmethod
    def persistent(
        cls,
        path: str | Path,
        collection: str = "items",
        *,
        cache_dir: str | Path | None = None,
        seed_cache_dirs: Sequence[str | Path] = (),
        embedding_function: MiniLMEmbeddingFunction | None = None,
        anonymized_telemetry: bool = False,
    ) -> VectorStore:
        """An embedded Chroma at ``path`` (created on demand)."""
        import chromadb
        from chromadb.config import Settings

        try:
            client = chromadb.PersistentClient(
                path=str(path), settings=Settings(anonymized_telemetry=anonymized_telemetry)
            )
        except Exception as exc:  # Chroma raises bare exceptions for unusable paths
            raise StoreUnavailableError("vector", f"cannot open Chroma at {path}: {exc}", INGEST_FIX) from exc
        return cls(
            client,
            collection,
            where=str(path),
            embedding_function=embedding_function,
            cache=EmbeddingCache(cache_dir, seed_cache_dirs),
        )

    @classmethod
    def http(
        cls,
        url: str,
        collection: str = "items",
        *,
        cache_dir: str | Path | None = None,
        seed_cache_dirs: Sequence[str | Path] = (),
        embedding_function: MiniLMEmbeddingFunction | None = None,
        anonymized_telemetry: bool = False,
    ) -> VectorStore:
        """A Chroma server (``chroma run``) at ``url``, e.g. ``http://127.0.0.1:8000``."""
        import chromadb
        from chromadb.config import Settings

        parts = urlsplit(url if "://" in url else f"http://{url}")
        ssl = parts.scheme == "https"
        fix = f"start the Chroma server at {url} (`chroma run --path DIR --port PORT`) or fix the URL"
        try:
            client = chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or (443 if ssl else 8000),
                ssl=ssl,
                settings=Settings(anonymized_telemetry=anonymized_telemetry),
            )
        except Exception as exc:  # ValueError("Could not connect to a Chroma server...") and friends
            raise StoreUnavailableError("vector", f"cannot reach Chroma at {url}: {exc}", fix) from exc
        cache = EmbeddingCache(cache_dir, seed_cache_dirs)
        store = cls(client, collection, where=url, fix=fix, embedding_function=embedding_function, cache=cache)
        store._filter = MetadataFilter(max_documents=-1)  # the server filters (its where): ids over HTTP
        return store

    @classmethod
    def connect(
        cls,
        location: str | Path,
        collection: str = "items",
        *,
        cache_dir: str | Path | None = None,
        seed_cache_dirs: Sequence[str | Path] = (),
        embedding_function: MiniLMEmbeddingFunction | None = None,
    ) -> VectorStore:
        """``http(location)`` for an ``http(s)://`` URL, else ``persistent(location)``."""
        kwargs: dict[str, Any] = {
            "cache_dir": cache_dir,
            "seed_cache_dirs": seed_cache_dirs,
            "embedding_function": embedding_function,
        }
        text = str(location)
        if text.startswith(("http://", "https://")):
            return cls.http(text, collection, **kwargs)
        return cls.persistent(location, collection, **kwargs)

    # ------------------------------------------------------------------ errors
    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        import httpx
        from chromadb.errors import NotFoundError

        try:
            yield
        except NotFoundError as exc:
            self._collection = None
            raise StoreUnavailableError(
                "vector", f"collection {self.collection_name!r} not found at {self.where}", INGEST_FIX
            ) from exc
        except (httpx.TransportError, ConnectionError) as exc:
            self._collection = None
            raise StoreUnavailableError(
                "vector", f"{action}: cannot reach {self.where}: {exc}", self.fix
            ) from exc

    def _get_collection(self, *, create: bool) -> Collection:
        if self._collection is None:
            with self._guard("open collection"):
                if create:
                    self._collection = self.client.get_or_create_collection(
                        self.collection_name,
                        embedding_function=self.embedding_function,  # type: ignore[arg-type]
                        configuration={"hnsw": {"space": "cosine"}},
                    )
                else:
                    self._collection = self.client.get_collection(
                        self.collection_name,
                        embedding_function=self.embedding_function,  # type: ignore[arg-type]
                    )
        return self._collection

    # ------------------------------------------------------------------- build
    def build(
        self, catalogue: Catalogue, batch_size: int = 256, progress: Progress | None = None
    ) -> BuildReport:
        """Make the collection match the catalogue: upsert new and changed documents (by id =
        ``str(item_id)``), delete items no longer in the catalogue, skip unchanged ones."""
        started = time.perf_counter()
        batch_size = max(1, min(batch_size, MAX_BATCH))
        docs = catalogue_documents(catalogue)
        model = self.embedding_function.model_name
        keys = {d.id: content_key(d.text, model).hex() for d in docs}
        col = self._get_collection(create=True)
        with self._guard("read existing ids"):
            existing = col.get(include=["metadatas"])
        old_keys = {
            i: str((m or {}).get("doc_key", ""))
            for i, m in zip(existing["ids"], existing["metadatas"] or [], strict=True)
        }
        stale = sorted(set(old_keys) - set(keys))
        todo = [d for d in docs if old_keys.get(d.id) != keys[d.id]]
        embedded = 0
        try:
            if todo or stale:  # until the build finishes the collection matches no fingerprint
                self._record(col, "")
            for start in range(0, len(stale), MAX_BATCH):
                with self._guard("delete stale items"):
                    col.delete(ids=stale[start : start + MAX_BATCH])
            for start in range(0, len(todo), batch_size):
                batch = todo[start : start + batch_size]
                vectors, computed = self.cache.embed([d.text for d in batch], self.embedding_function)
                embedded += computed
                with self._guard("upsert"):
                    col.upsert(
                        ids=[d.id for d in batch],
                        embeddings=cast(Any, vectors),
                        documents=[d.text for d in batch],
                        metadatas=cast(Any, [d.metadata | {"doc_key": keys[d.id]} for d in batch]),
                    )
                if progress is not None:
                    progress(min(start + batch_size, len(todo)), len(todo))
            self._record(col, documents_fingerprint(keys))
        finally:
            self._forget_documents()  # whatever was written, what was read before may be stale
            self.cache.save()
        added = sum(1 for d in todo if d.id not in old_keys)
        return BuildReport(
            total=self.count(),
            added=added,
            updated=len(todo) - added,
            removed=len(stale),
            unchanged=len(docs) - len(todo),
            embedded=embedded,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _record(self, col: Collection, fingerprint: str) -> None:
        with self._guard("record fingerprint"):
            col.modify(metadata={FINGERPRINT: fingerprint})

    def fingerprint(self) -> str | None:
        """The fingerprint the last finished ``build`` recorded, read afresh (another process may have
        rebuilt the collection); "" while a build is unfinished, None when none was ever recorded."""
        with self._guard("read fingerprint"):
            col = self.client.get_collection(self.collection_name, embedding_function=self.embedding_function)  # type: ignore[arg-type]
        value = (col.metadata or {}).get(FINGERPRINT)
        return None if value is None else str(value)

    def drop(self) -> None:
        """Delete the collection (no error when it does not exist)."""
        from chromadb.errors import NotFoundError

        self._collection = None
        self._forget_documents()
        with self._guard("delete collection"), suppress(NotFoundError):
            self.client.delete_collection(self.collection_name)

    # ------------------------------------------------------------------ search
    def count(self) -> int:
        """Documents in the collection; 0 when it does not exist yet."""
        try:
            col = self._get_collection(create=False)
        except StoreUnavailableError as exc:
            if "not found" in exc.problem:
                return 0
            raise
        with self._guard("count"):
            return int(col.count())

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector (384 float32, unit length); pass it to ``query(vector=...)`` to reuse it."""
        return self.embedding_function.embed([text])[0]

    def item_vectors(self, item_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The stored document vectors of some items ("more like this" queries), by item id."""
        ids = [str(int(i)) for i in item_ids]
        missing = [i for i in ids if i not in self._item_vectors]
        if missing:
            col = self._get_collection(create=False)
            with self._guard("get vectors"):
                got = col.get(ids=missing, include=cast(Any, ["embeddings"]))
            vectors = got.get("embeddings")
            for raw_id, v in zip(got["ids"], [] if vectors is None else vectors, strict=False):
                self._item_vectors[raw_id] = np.asarray(v, dtype=np.float32)
        return {int(i): self._item_vectors[i] for i in ids if i in self._item_vectors}

    def query(
        self,
        text: str | None = None,
        k: int = 10,
        *,
        vector: np.ndarray | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        genres_in: Iterable[str] = (),
        genres_out: Iterable[str] = (),
        exclude_ids: Iterable[int] = (),
        snippet_chars: int = 240,
    ) -> list[VectorHit]:
        """The ``k`` items nearest to ``text`` (or to a precomputed ``vector``) that pass the filters."""
        if vector is None:
            if text is None:
                raise ValueError("query needs text or a vector")
            vector = self.embed_query(text)
        filters: dict[str, Any] = {
            "year_min": year_min,
            "year_max": year_max,
            "genres_in": tuple(genres_in),
            "genres_out": tuple(genres_out),
            "exclude_ids": tuple(exclude_ids),
        }
        where = build_where(**filters)
        col = self._get_collection(create=False)
        with self._guard("query"):
            table = self._filter.table(col) if where is not None else None
            ids = None if table is None else table.allowed(**filters)
            if ids == []:
                return []
            # distances only: fetching documents and metadata costs ~0.1 ms per result, the search
            # itself a few ms; texts come from the cache below
            result = col.query(
                query_embeddings=cast(Any, [np.asarray(vector, dtype=np.float32)]),
                n_results=max(1, k),
                where=cast(Any, where if ids is None else None),
                ids=ids,
                include=["distances"],
            )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return vector_hits(ids, distances, self._documents(col, ids), snippet_chars)

    def _forget_documents(self) -> None:
        """Drop the cached texts and item vectors (after this store wrote to the collection)."""
        self._texts.clear()
        self._item_vectors.clear()
        self._filter.clear()

    def _documents(self, col: Collection, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(document, title) of some ids, from the cache or fetched once."""
        missing = [i for i in ids if i not in self._texts]
        if missing:
            with self._guard("get documents"):
                got = col.get(ids=missing, include=cast(Any, ["documents", "metadatas"]))
            documents = got.get("documents") or [""] * len(got["ids"])
            metadatas = got.get("metadatas") or [{}] * len(got["ids"])
            for raw_id, document, meta in zip(got["ids"], documents, metadatas, strict=True):
                text_ = document or ""
                self._texts[raw_id] = (text_, str((meta or {}).get("title", "")) or text_.split("\n", 1)[0])
        return {i: self._texts[i] for i in ids if i in self._texts}
