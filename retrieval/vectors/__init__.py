"""The vector store: one Chroma document per catalogue item, its documents and metadata, and the
packaged MiniLM sentence embeddings with their on-disk cache.
"""

from retrieval.vectors.documents import catalogue_documents, documents_fingerprint
from retrieval.vectors.embeddings import (
    MODEL_NAME,
    EmbeddingCache,
    MiniLMEmbeddingFunction,
    content_key,
    load_model,
    write_layer,
)
from retrieval.vectors.query import BuildReport, VectorHit, build_where
from retrieval.vectors.store import VectorStore

__all__ = [
    "MODEL_NAME",
    "BuildReport",
    "EmbeddingCache",
    "MiniLMEmbeddingFunction",
    "VectorHit",
    "VectorStore",
    "build_where",
    "catalogue_documents",
    "content_key",
    "documents_fingerprint",
    "load_model",
    "write_layer",
]
