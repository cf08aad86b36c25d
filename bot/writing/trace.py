"""What the trace records of the writer: who wrote each piece, what was rejected, tokens, timing."""

from __future__ import annotations

from typing import Any

from bot.writing.llm import WriteOutcome


def writer_args(outcome: WriteOutcome) -> dict[str, Any]:
    """The writer step's ``args``: ``kind`` (llm | mixed | template), then (LLM turns) ``items`` (who
    wrote each item's blurb), ``opening``, ``rejected`` (problem kinds of rejected drafts), tokens."""
    args: dict[str, Any] = {"kind": outcome.kind}
    if not outcome.pieces:
        return args
    blurbs = [p for p in outcome.pieces if p.kind == "blurb"]
    args["items"] = {str(p.item_id): p.by for p in blurbs}
    args["opening"] = next((p.by for p in outcome.pieces if p.kind == "opening"), "template")
    args["rejected"] = [k for p in outcome.pieces for k in p.rejected]
    args["tokens_in"] = outcome.prompt_tokens
    args["tokens_out"] = outcome.completion_tokens
    if outcome.first_text_ms is not None:
        args["first_text_ms"] = round(outcome.first_text_ms, 1)
    if outcome.error:
        args["error"] = outcome.error[:200]
    return args
