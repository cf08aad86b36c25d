"""Streaming a reply that was written in one go: the text in small pieces."""

from __future__ import annotations

from collections.abc import Iterator


def chunks(text: str, size: int = 24) -> Iterator[str]:
    """Text in small pieces, for streaming a reply that was written in one go."""
    for start in range(0, len(text), size):
        yield text[start : start + size]
