"""The template writer: the reply composed from the evidence directly (no LLM), and the notes on
unavailable components and ambiguous names that every reply starts with."""

from __future__ import annotations

import prompts
from bot.types import Recommendation


def top_reasons(recommendation: Recommendation, n: int = 2) -> list[str]:
    """The strongest reasons, at most one per source (graph, ratings, description)."""
    chosen: list[str] = []
    sources: set[str] = set()
    for reason in recommendation.reasons:
        if reason.source in sources or reason.text in chosen:
            continue
        chosen.append(reason.text)
        sources.add(reason.source)
        if len(chosen) == n:
            break
    return chosen


def reply_items(recommendations: list[Recommendation]) -> list[dict[str, object]]:
    return [{"title": r.title, "year": r.year, "reasons": top_reasons(r)} for r in recommendations]


def template_text(
    recommendations: list[Recommendation], understood: str, degraded: list[str], ambiguous: list[str]
) -> str:
    return prompts.render(
        "template_reply.j2",
        items=reply_items(recommendations),
        understood=understood,
        degraded=degraded,
        ambiguous=ambiguous,
    )


def template_prefix(degraded: list[str], ambiguous: list[str]) -> str:
    parts = []
    if degraded:
        parts.append(f"(Some knowledge is unavailable right now: {', '.join(degraded)}.)")
    if ambiguous:
        parts.append(
            f"(I wasn't sure which one you meant by {', '.join(ambiguous)}; tell me the year if I guessed wrong.)"
        )
    return (" ".join(parts) + "\n") if parts else ""
