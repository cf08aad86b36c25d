"""Several replies decoded together by the embedded backend (``stream_many``), real 0.5B model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.llm.base import ChatMessage, Delta

pytestmark = pytest.mark.llm

SYSTEM = "You describe movies in one short sentence. Use only the facts you are given."
FACTS = [
    "Heat (1995), a crime film by Michael Mann with Al Pacino and Robert De Niro.",
    "Toy Story (1995), an animated comedy by John Lasseter with Tom Hanks.",
    "Alien (1979), a science fiction horror film by Ridley Scott with Sigourney Weaver.",
]


def prompt(facts: str) -> list[ChatMessage]:
    return [ChatMessage(role="system", content=SYSTEM), ChatMessage(role="user", content=f"Facts: {facts}")]


@pytest.fixture(scope="module")
def embedded(small_model_path: Path, need_llama_cpp: None) -> Iterator[object]:
    from bot.llm.embedded import EmbeddedLlama

    yield EmbeddedLlama(small_model_path, n_ctx=4096, n_threads=2, parallel=3)


def collect(deltas: Iterator[Delta]) -> tuple[dict[int, str], dict[int, Delta]]:
    texts: dict[int, str] = {}
    done: dict[int, Delta] = {}
    for delta in deltas:
        assert delta.index not in done  # nothing of a reply after its end
        texts[delta.index] = texts.get(delta.index, "") + delta.text
        if delta.done:
            done[delta.index] = delta
    return texts, done


def test_replies_written_together_are_each_whole_and_share_the_cached_prefix(embedded) -> None:  # type: ignore[no-untyped-def]
    alone = {i: collect(embedded.stream_many([prompt(f)], max_tokens=24))[0][0] for i, f in enumerate(FACTS)}
    started = time.perf_counter()
    texts, done = collect(embedded.stream_many([prompt(f) for f in FACTS], max_tokens=24))
    took = time.perf_counter() - started
    print(f"[llm] 3 replies together in {took:.1f} s: {texts}; alone: {alone}")
    assert sorted(done) == [0, 1, 2]
    assert all(0 < d.completion_tokens <= 24 for d in done.values())
    assert "Heat" in texts[0] or "Pacino" in texts[0] or "Mann" in texts[0]  # each reply is its prompt's
    assert "Toy Story" in texts[1] or "Hanks" in texts[1] or "Lasseter" in texts[1]
    assert "Alien" in texts[2] or "Weaver" in texts[2] or "Scott" in texts[2]
    # greedy decoding: together, each reply starts as it does alone (batching changes no argmax early)
    assert sum(texts[i][:20] == alone[i][:20] for i in range(3)) >= 2, (texts, alone)
    stats = embedded._decoder.last_stats
    assert stats["cached_tokens"] >= 20  # the system prompt was kept from the calls before
    assert sum(d.prompt_tokens for d in done.values()) < sum(len(f) for f in FACTS)  # not re-read


def test_more_prompts_than_sequences_go_in_groups_and_an_early_stop_frees_the_model(embedded) -> None:  # type: ignore[no-untyped-def]
    prompts = [prompt(f) for f in FACTS + FACTS[:1]]
    texts, done = collect(embedded.stream_many(prompts, max_tokens=8))
    assert sorted(done) == [0, 1, 2, 3] and all(texts.values())
    stream = embedded.stream_many([prompt(f) for f in FACTS], max_tokens=40)
    next(stream)
    stream.close()  # stopped after one delta
    texts, done = collect(embedded.stream_many([prompt(FACTS[0])], max_tokens=6))
    assert done[0].completion_tokens == 6 and texts[0]  # the next call runs, cut at its max_tokens


def test_a_deadline_stops_the_replies_between_two_steps(embedded) -> None:  # type: ignore[no-untyped-def]
    long_facts = " ".join(FACTS * 8)  # a prompt long enough to take several reading steps
    started = time.perf_counter()
    _, done = collect(
        embedded.stream_many([prompt(long_facts + f) for f in FACTS], max_tokens=40, deadline=started + 0.3)
    )
    took = time.perf_counter() - started
    print(f"[llm] stopped at a 0.3 s deadline after {took:.2f} s; finished: {sorted(done)}")
    # reading the three prompts whole takes about 20 s here: it stopped after the step running at 0.3 s
    assert not done and took < 6.0
    after, done = collect(embedded.stream_many([prompt(FACTS[0])], max_tokens=5))
    assert (
        done[0].completion_tokens == 5 and after[0]
    )  # the model is free and reads prompts from a clean state
