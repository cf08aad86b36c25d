"""Input sanitising (``bot.sanitise``): what a message must be before a turn reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.recommender import Recommender
from bot.sanitise import InvalidInputError, sanitise
from tools.errors import ParleyError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  I loved Heat \n", ("I loved Heat", None)),
        ("Heat\x00\x01 please", ("Heat   please", None)),  # control characters become spaces
        ("", ("", "empty")),
        (" \n\t ", ("", "empty")),
        ("x" * 21, ("", "too_long")),
        ("x" * 20, ("x" * 20, None)),
        (b"bytes", ("", "unreadable")),
        (None, ("", "unreadable")),
    ],
)
def test_sanitise(text: object, expected: tuple[str, str | None]) -> None:
    assert sanitise(text, limit=20) == expected


def test_invalid_input_is_a_parley_error() -> None:
    assert issubclass(InvalidInputError, ParleyError)


def test_the_message_limit_is_a_setting(make_recommender: Callable[..., Recommender]) -> None:
    session = make_recommender(None, max_message_chars=20).new_session()
    reply = session.respond("I loved Heat and Collateral, and Alien")  # 38 characters
    assert "20 characters" in reply.text and reply.recommendations == []
    assert session.respond("I loved Heat").recommendations
