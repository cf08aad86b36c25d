"""The embedded backend with the real 0.5B model (llama-cpp-python in process)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.llm.base import LLMError
from bot.llm.toolcall_text import schema_errors
from bot.types import Recommendation
from bot.writing import template_text
from tests.bot.llm.llm_cases import CHAT, EXTRACT, KG_LOOKUP, PREFS_SCHEMA, TOOL_CHAT, rate

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def embedded(small_model_path: Path, need_llama_cpp: None) -> Iterator[object]:
    from bot.llm.embedded import EmbeddedLlama

    llm = EmbeddedLlama(small_model_path, n_ctx=4096, n_threads=2)
    print(f"[llm] embedded 0.5B loaded in {llm.load_ms:.0f} ms")
    yield llm


def test_embedded_chat_json_stream_and_tools(embedded) -> None:  # type: ignore[no-untyped-def]
    out = embedded.complete(CHAT, max_tokens=40)
    print(
        f"[llm] complete: {out.text!r}; first token {out.first_token_ms:.0f} ms; {rate(out.completion_tokens, out.total_ms)}; prompt {out.prompt_tokens} tokens"
    )
    assert out.text.strip()
    assert 0 < out.completion_tokens <= 40
    assert out.prompt_tokens > 10
    assert out.first_token_ms is not None and 0 < out.first_token_ms <= out.total_ms

    started = time.perf_counter()
    prefs = embedded.complete_json(EXTRACT, PREFS_SCHEMA, max_tokens=80)
    print(f"[llm] complete_json: {prefs} in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert schema_errors(prefs, PREFS_SCHEMA) == []

    started = time.perf_counter()
    chunks = list(embedded.stream(CHAT, max_tokens=30))
    print(
        f"[llm] stream: {len(chunks)} chunks in {(time.perf_counter() - started) * 1000:.0f} ms: {''.join(chunks)!r}"
    )
    assert len(chunks) > 1
    assert "".join(chunks).strip()

    call = embedded.complete_with_tools(TOOL_CHAT, [KG_LOOKUP], tool_choice="kg_lookup", max_tokens=60)
    print(f"[llm] named tool: {call.tool_calls} ({rate(call.completion_tokens, call.total_ms)})")
    assert call.tool_calls and call.tool_calls[0].name == "kg_lookup"
    assert "alien" in str(call.tool_calls[0].arguments.get("title", "")).lower()

    with pytest.raises(LLMError, match="not among the tools"):
        embedded.complete_with_tools(TOOL_CHAT, [KG_LOOKUP], tool_choice="vector_search")


def test_a_json_call_past_its_timeout_is_stopped_and_frees_the_model(embedded) -> None:  # type: ignore[no-untyped-def]
    full = embedded.complete_json(EXTRACT, PREFS_SCHEMA, max_tokens=80, timeout_s=120)
    assert schema_errors(full, PREFS_SCHEMA) == []
    whole = embedded.last_json_usage.completion_tokens
    with pytest.raises(LLMError, match=r"within 0\.01 s"):
        embedded.complete_json(EXTRACT, PREFS_SCHEMA, max_tokens=80, timeout_s=0.01)
    stopped = embedded.last_json_usage.completion_tokens
    print(f"[llm] JSON reply: {whole} tokens; stopped at its timeout after {stopped}")
    assert stopped < whole  # stopped between two tokens, not at the end of the reply
    assert list(embedded.stream(CHAT, max_tokens=4))  # and the model is free for the next call


def template_lines(recommendations: list[Recommendation]) -> list[str]:
    """The numbered item lines the template writer would show for these recommendations."""
    text = template_text(recommendations, "", [], [])
    return [line for line in text.splitlines() if line[:1].isdigit()]


def test_embedded_model_turn_extracts_ranks_and_the_validator_judges_the_draft(
    embedded, make_recommender
) -> None:  # type: ignore[no-untyped-def]
    """The public API on the real 0.5B model: the LLM extractor finds Heat, the ranker returns
    grounded items, and each item's blurb is judged against its card: the model's when it passed,
    else that item's template line (tests/bot/writing/test_writer_real.py asserts the acceptance)."""
    rec = make_recommender(embedded, agent_mode="plan", llm_extractor="always")
    started = time.perf_counter()
    reply = rec.new_session().respond("I loved Heat, something similar please")
    print(
        f"[llm] Recommender turn with embedded 0.5B: {(time.perf_counter() - started) * 1000:.0f} ms, writer={reply.writer}"
    )
    print(reply.text)
    assert 6 in reply.profile.liked_items  # Heat (1995)
    assert reply.recommendations
    for item in reply.recommendations:
        assert item.item_id in rec.toolbox.items
        assert item.reasons and all(r.evidence for r in item.reasons)
    assert reply.text.strip()
    names = [step.name for step in reply.trace]
    assert "llm_extract" in names
    (writer,) = [step for step in reply.trace if step.name == "writer"]
    print(f"[llm] writer step: {writer.summary}")
    assert writer.args["kind"] in {"llm", "mixed", "template"}
    assert "error" not in writer.args  # the model drafted: the validator had drafts to judge
    by = writer.args["items"]
    listing = template_lines(reply.recommendations)
    for line, item in zip(listing, reply.recommendations, strict=True):  # per item (issue 14)
        if by[str(item.item_id)] == "template":  # its template line is shown
            assert line.split(" — ")[1][1:] in reply.text
    assert reply.writer == ("template" if set(by.values()) == {"template"} else "llm")
