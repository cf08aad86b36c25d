"""The exception tree, re-exported for ``bot`` (which imports only ``tools`` and ``prompts``)."""

from __future__ import annotations

from retrieval.errors import (
    CannotScoreError,
    CatalogueError,
    ConfigurationError,
    GraphServerError,
    ParleyError,
    StoreUnavailableError,
)

__all__ = [
    "CannotScoreError",
    "CatalogueError",
    "ConfigurationError",
    "GraphServerError",
    "ParleyError",
    "StoreUnavailableError",
]
