"""From the ranker's evidence to the API's shapes: reasons on recommendations, tool steps in the trace."""

from __future__ import annotations

from typing import Any

from bot.types import Reason, Recommendation, ToolStep
from tools.base import Evidence
from tools.ranking import RankResult
from tools.reason_words import keyword_shown

# ranker source -> (the tool it stands for, the mode shown in the trace)
SOURCE_TOOL = {
    "kg": ("kg_lookup", "neighbours"),
    "cf_knn": ("cf_score", "knn"),
    "cf_svd": ("cf_score", "svd"),
    "popularity": ("cf_score", "popularity prior"),
    "chat": ("cf_score", "conversation prior"),
    "chat_co": ("cf_score", "conversation co-mentions"),
    "chat_similar": ("cf_score", "chats like this one"),
    "chat_recent": ("cf_score", "new releases in chats"),
    "vector": ("vector_search", "description"),
    "explain": ("kg_lookup", "paths"),
}
REASONS_PER_ITEM = 4


def to_reason(evidence: Evidence) -> Reason:
    source = "cf" if evidence.source == "popularity" else evidence.source
    return Reason(text=evidence.summary, source=source, evidence={"kind": evidence.kind, **evidence.facts})


def _shared(evidence: Evidence) -> tuple[str, str] | None:
    """(kind, entity key) of a graph reason about one shared entity (a neighbour row or a path)."""
    if evidence.source != "kg" or not evidence.kind.startswith("shared_"):
        return None
    facts: dict[str, Any] = evidence.facts
    nodes = facts.get("nodes") or []
    middle = nodes[1] if len(nodes) > 2 and isinstance(nodes[1], dict) else {}
    key = facts.get("key") or middle.get("id") or facts.get("name") or middle.get("name")
    return (evidence.kind, str(key)) if key else None


def _quoted(evidence: Evidence, key: str) -> str:
    """The name a graph reason quotes to the person ("oscar (best picture)"; its key, "oscar best
    picture", is only how the graph finds it): the words the rule must judge, as the harness does."""
    facts: dict[str, Any] = evidence.facts
    nodes = facts.get("nodes") or []
    middle = nodes[1] if len(nodes) > 2 and isinstance(nodes[1], dict) else {}
    return str(facts.get("name") or middle.get("name") or key)


def _films(evidence: Evidence) -> int:
    """How many of the person's films a graph reason names."""
    via = evidence.facts.get("via") or []
    return len(via) if via else int(evidence.facts.get("source") is not None)


def shown_evidence(evidence: list[Evidence]) -> list[Evidence]:
    """The evidence a person reads, in order: a reason quoting a keyword that is bookkeeping or
    filler ("duringcreditsstinger", "original": ``tools.reason_words.keyword_shown``) is left out,
    and each shared director, actor, keyword or genre is told once (by the reason naming the most
    of the person's films, in the place of the first)."""
    out: list[Evidence] = []
    place: dict[tuple[str, str], int] = {}
    for e in evidence:
        shared = _shared(e)
        if shared is not None and e.kind == "shared_keyword" and not keyword_shown(_quoted(e, shared[1])):
            continue
        if shared is not None and shared in place:
            if _films(e) > _films(out[place[shared]]):
                out[place[shared]] = e
            continue
        if shared is not None:
            place[shared] = len(out)
        out.append(e)
    return out


def to_recommendations(result: RankResult) -> list[Recommendation]:
    return [
        Recommendation(
            item_id=item.item_id,
            title=item.title,
            year=item.year,
            genres=item.genres,
            score=item.score,
            reasons=[to_reason(e) for e in shown_evidence(item.evidence)[:REASONS_PER_ITEM]],
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
