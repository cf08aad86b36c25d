"""From the ranker's evidence to the API's shapes: reasons on recommendations, tool steps in the trace."""

from __future__ import annotations

from bot.types import Reason, Recommendation, ToolStep
from tools.base import Evidence
from tools.ranking import RankResult

# ranker source -> (the tool it stands for, the mode shown in the trace)
SOURCE_TOOL = {
    "kg": ("kg_lookup", "neighbours"),
    "cf_knn": ("cf_score", "knn"),
    "cf_svd": ("cf_score", "svd"),
    "popularity": ("cf_score", "popularity prior"),
    "chat": ("cf_score", "conversation prior"),
    "chat_co": ("cf_score", "conversation co-mentions"),
    "chat_similar": ("cf_score", "chats like this one"),
    "vector": ("vector_search", "description"),
    "explain": ("kg_lookup", "paths"),
}
REASONS_PER_ITEM = 4


def to_reason(evidence: Evidence) -> Reason:
    source = "cf" if evidence.source == "popularity" else evidence.source
    return Reason(text=evidence.summary, source=source, evidence={"kind": evidence.kind, **evidence.facts})


def to_recommendations(result: RankResult) -> list[Recommendation]:
    return [
        Recommendation(
            item_id=item.item_id,
            title=item.title,
            year=item.year,
            genres=item.genres,
            score=item.score,
            reasons=[to_reason(e) for e in item.evidence[:REASONS_PER_ITEM]],
        )
        for item in result.items
    ]


def rank_steps(result: RankResult) -> list[ToolStep]:
    """One trace step per ranker source (and the graph explanation), named by the tool it stands for."""
    steps = []
    for timing in result.timings:
        tool, mode = SOURCE_TOOL.get(timing.name, (timing.name, ""))
        summary = (
            f"{timing.n_candidates} candidates" if timing.error is None else f"unavailable: {timing.error}"
        )
        steps.append(
            ToolStep(name=tool, args={"mode": mode}, summary=summary, ms=timing.ms, ok=timing.error is None)
        )
    return steps
