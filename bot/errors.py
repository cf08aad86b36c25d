"""The exception tree (``retrieval.errors`` through ``tools.errors``), re-exported for the layers
that import only ``bot`` (the evaluation harness)."""

from __future__ import annotations

from tools.errors import (
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
