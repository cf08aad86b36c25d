"""The per-item writer on the real 0.5B model (embedded llama.cpp): at least one blurb of a real turn
passes validation against its card and is shown as the LLM's. Prints the acceptance rate it saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.recommender import Recommender
from bot.types import TextChunkEvent

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def embedded(small_model_path: Path, need_llama_cpp: None) -> Iterator[object]:
    from bot.llm.embedded import EmbeddedLlama

    yield EmbeddedLlama(small_model_path, n_ctx=4096, n_threads=1, n_threads_batch=2)


def test_a_real_turn_shows_llm_blurbs_that_pass_their_cards(
    embedded: object, make_recommender: Callable[..., Recommender]
) -> None:
    rec = make_recommender(embedded, agent_mode="plan", llm_extractor="off")
    rec.writer.prime()  # as Recommender.from_settings does at start: the static prompt is read once
    session = rec.new_session()
    accepted = total = 0
    for message in ("I loved Heat, something similar please", "I loved Toy Story"):
        events = list(session.stream(message))
        reply = events[-1].reply  # type: ignore[union-attr]
        deltas = [e for e in events if isinstance(e, TextChunkEvent)]
        assert len(deltas) >= 3 and "".join(e.text for e in deltas).strip() == reply.text
        (writer,) = [s for s in reply.trace if s.name == "writer"]
        by = writer.args["items"]
        cards = {c.item_id: c for c in rec.writer.cards.cards(reply.recommendations, message)}  # type: ignore[union-attr]
        for n, item in enumerate(reply.recommendations, 1):
            total += 1
            if by[str(item.item_id)] != "llm":
                continue
            accepted += 1
            line = next(x for x in reply.text.splitlines() if x.startswith(f"{n}. {item.title}"))
            blurb = line.split(" — ", 1)[1]
            assert (
                rec.writer.checker.problems(blurb, cards[item.item_id], set(reply.profile.liked_items)) == []
            )
        print(reply.text)
        print(f"[llm] writer step: {writer.args} {writer.summary[:300]}")
    print(f"[llm] 0.5B per-item acceptance: {accepted}/{total} blurbs = {100 * accepted / total:.0f}%")
    assert accepted >= 1
