"""``parley chat``'s loop over the public API: transcript output, trace lines, reset and quit."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.recommender import Recommender
from bot.repl import chat_loop


@pytest.fixture
def rec(make_recommender: Callable[..., Recommender]) -> Recommender:
    return make_recommender(None)  # the template writer


def _feed(lines: list[str]) -> Callable[[], str]:
    queue: Iterator[str] = iter(lines)

    def read() -> str:
        try:
            return next(queue)
        except StopIteration:
            raise EOFError from None

    return read


def test_transcript_with_trace_reset_and_quit(rec: Recommender) -> None:
    out: list[str] = []
    chat_loop(
        rec,
        show_trace=True,
        echo=True,
        read=_feed(["I loved Heat", "reset", "quit", "never read"]),
        write=out.append,
    )
    text = "".join(out)
    assert "I loved Heat\nparley> " in text  # piped input is echoed before the reply
    assert "[kg_lookup" in text and "[ranked: [" in text
    assert "writer: template" in text and "[turn: " in text
    assert "Starting over." in text
    assert "never read" not in text  # "quit" ended the loop


def test_end_of_input_ends_the_loop_quietly(rec: Recommender) -> None:
    out: list[str] = []
    chat_loop(rec, read=_feed(["I loved Heat"]), write=out.append)
    text = "".join(out)
    assert "parley> " in text
    assert "[ranked" not in text  # no trace unless asked
