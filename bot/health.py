"""The start-up health check: the stores a recommender cannot work without are there and readable."""

from __future__ import annotations

from tools.errors import ParleyError, StoreUnavailableError
from tools.stores import Stores


def check_vectors(stores: Stores) -> None:
    """Raise StoreUnavailableError (naming `parley ingest`) when the vector collection is missing, empty
    or unreadable: a clear message at start rather than a stack trace or silently degraded answers."""
    try:
        count = stores.vectors().count()
    except ParleyError:
        raise
    except Exception as error:  # Chroma raises sqlite and Rust errors for a corrupt store
        raise StoreUnavailableError(
            "vector", f"cannot read the Chroma store: {type(error).__name__}: {error}"
        ) from error
    if count == 0:
        raise StoreUnavailableError("vector", "the Chroma collection is missing or empty")
