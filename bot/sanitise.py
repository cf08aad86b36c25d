"""Input sanitising: what a message must be before a turn reads it, and the error for unusable input."""

from __future__ import annotations

from tools.errors import ParleyError


class InvalidInputError(ParleyError):
    """A message or feedback event that cannot be used (reported politely, state unchanged)."""


def sanitise(text: object, limit: int) -> tuple[str, str | None]:
    """(clean text, problem) where problem is None, "empty", "too_long" or "unreadable"."""
    if not isinstance(text, str):
        return "", "unreadable"
    cleaned = "".join(ch if (ch.isprintable() or ch in "\n\t") else " " for ch in text).strip()
    if not cleaned:
        return "", "empty"
    if len(cleaned) > limit:
        return "", "too_long"
    return cleaned, None
