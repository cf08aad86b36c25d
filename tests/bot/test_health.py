"""The start-up health check (``bot.health``): a missing, empty or unreadable vector store is a
clear error naming ``parley ingest``."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bot.health import check_vectors
from tools.errors import StoreUnavailableError
from tools.stores import Stores


class FakeVectors:
    def __init__(self, count: int | Exception) -> None:
        self._count = count

    def count(self) -> int:
        if isinstance(self._count, Exception):
            raise self._count
        return self._count


class FakeStores:
    def __init__(self, count: int | Exception) -> None:
        self._vectors = FakeVectors(count)

    def vectors(self) -> Any:
        return self._vectors


def test_a_readable_collection_passes() -> None:
    check_vectors(cast(Stores, FakeStores(5)))


@pytest.mark.parametrize(
    ("count", "says"),
    [
        (0, "missing or empty"),
        (RuntimeError("database disk image is malformed"), "cannot read the Chroma store"),
        (StoreUnavailableError("vector", "server down"), "server down"),
    ],
)
def test_a_missing_or_unreadable_collection_is_a_clear_error(count: int | Exception, says: str) -> None:
    with pytest.raises(StoreUnavailableError, match=says) as raised:
        check_vectors(cast(Stores, FakeStores(count)))
    assert "parley ingest" in str(raised.value)
