"""The plan-first controller: the tools are called by code, the LLM only extracts and writes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import prompts
from bot.extract import Extraction, extract, strip_mentions
from bot.llm.base import LLMBackend
from bot.llm_extract import llm_extract, merge
from bot.policy import best_question, should_ask
from bot.references import Reference, find_references
from bot.state import DialogueState
from bot.state_update import apply_extraction, apply_feedback
from bot.types import (
    DoneEvent,
    Reason,
    Recommendation,
    RecommendationsEvent,
    Reply,
    StreamEvent,
    ToolStep,
    ToolStepEvent,
)
from bot.writer import GroundedWriter
from tools.base import Evidence
from tools.engine import Toolbox
from tools.errors import ParleyError
from tools.ranker import RankResult

log = logging.getLogger(__name__)
SOURCE_TOOL = {
    "kg": ("kg_lookup", "neighbours"),
    "cf_knn": ("cf_score", "knn"),
    "cf_svd": ("cf_score", "svd"),
    "popularity": ("cf_score", "popularity prior"),
    "vector": ("vector_search", "description"),
    "explain": ("kg_lookup", "paths"),
}


@dataclass
class TurnContext:
    toolbox: Toolbox
    llm: LLMBackend | None
    writer: GroundedWriter
    max_questions: int
    k: int


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)


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
            reasons=[to_reason(e) for e in item.evidence[:4]],
        )
        for item in result.items
    ]


def rank_steps(result: RankResult) -> list[ToolStep]:
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


def titles(ids: Iterable[int], toolbox: Toolbox) -> list[str]:
    return [row.display_title for i in ids if (row := toolbox.items.get(i)) is not None]


def understood(state: DialogueState, toolbox: Toolbox) -> str:
    parts = []
    if state.liked_items:
        parts.append("you like " + ", ".join(titles(state.liked_items[-4:], toolbox)))
    if state.liked_people:
        parts.append("you like films by or with " + ", ".join(p.title() for p in state.liked_people[-3:]))
    if state.disliked_items:
        parts.append("not " + ", ".join(titles(state.disliked_items[-3:], toolbox)))
    if state.genres_in:
        parts.append("genres " + ", ".join(state.genres_in))
    if state.genres_out:
        parts.append("no " + ", ".join(state.genres_out))
    if state.year_min or state.year_max:
        parts.append(f"years {state.year_min or '…'}–{state.year_max or '…'}")
    return "; ".join(parts)


def _extract(context: TurnContext, text: str, trace: list[ToolStep], degraded: list[str]) -> Extraction:
    started = time.perf_counter()
    found = extract(text, context.toolbox.index)
    n = len(found.liked_items) + len(found.disliked_items) + len(found.liked_people) + len(found.genres_in)
    trace.append(
        ToolStep(
            name="kg_lookup",
            args={"action": "link", "text": text[:200]},
            summary=f"{n} entities",
            ms=_ms(started),
        )
    )
    if context.llm is not None and context.llm.supports_json:
        started = time.perf_counter()
        genres = sorted({g for row in context.toolbox.items.rows.values() for g in row.genres})
        try:
            found = merge(found, llm_extract(text, context.llm, context.toolbox.index, genres))
            trace.append(ToolStep(name="llm_extract", summary="merged", ms=_ms(started)))
        except ParleyError as error:
            degraded.append("llm")
            trace.append(
                ToolStep(name="llm_extract", summary=f"unavailable: {error}", ms=_ms(started), ok=False)
            )
    return found


def plan_turn(context: TurnContext, state: DialogueState, text: str) -> Iterator[StreamEvent]:
    trace: list[ToolStep] = []
    degraded: list[str] = []
    toolbox = context.toolbox
    found = _extract(context, text, trace, degraded)
    named = found.liked_items + found.disliked_items
    references = find_references(text, state.last_recommendations, named)
    referenced = {r.item_id for r in references}
    found.liked_items = [i for i in found.liked_items if i not in referenced]
    found.disliked_items = [i for i in found.disliked_items if i not in referenced]
    new_state = apply_extraction(state, found, strip_mentions(text, toolbox.index))
    new_state.turns += 1
    why: Reference | None = None
    for ref in references:
        if ref.intent == "why":
            why = ref
        else:
            new_state = apply_feedback(new_state, ref.item_id, ref.intent)
    for step in trace:
        yield ToolStepEvent(step=step)
    ambiguous = [m.mention for m in found.ambiguous]
    if why is not None and not (found.liked_items or found.genres_in or found.liked_people):
        yield from _explain(context, new_state, why.item_id, trace, degraded)
        return
    if should_ask(new_state, context.max_questions):
        question = _question(context, new_state, trace)
        if question is not None:
            yield DoneEvent(
                reply=Reply(
                    session_id="",
                    text=question[1],
                    question=question[1],
                    profile=question[0],
                    trace=trace,
                    degraded=degraded,
                )
            )
            return
    result = toolbox.ranker.rank(new_state.to_profile(), k=context.k)
    steps = rank_steps(result)
    trace.extend(steps)
    degraded.extend(d for d in result.degraded if d not in degraded)
    for step in steps:
        yield ToolStepEvent(step=step)
    recommendations = to_recommendations(result)
    yield RecommendationsEvent(recommendations=recommendations)
    shown = [r.item_id for r in recommendations]
    new_state.recommended = list(dict.fromkeys([*new_state.recommended, *shown]))
    new_state.last_recommendations = shown or new_state.last_recommendations
    allowed = set(new_state.liked_items) | set(new_state.disliked_items)
    started = time.perf_counter()
    text_out, writer = context.writer.write(
        recommendations, understood(new_state, toolbox), _labels(degraded), ambiguous, allowed
    )
    trace.append(
        ToolStep(name="writer", args={"kind": writer}, summary=f"{len(text_out)} characters", ms=_ms(started))
    )
    yield DoneEvent(
        reply=Reply(
            session_id="",
            text=text_out,
            recommendations=recommendations,
            profile=new_state,
            trace=trace,
            degraded=degraded,
            writer="llm" if writer == "llm" else "template",
        )
    )


def _labels(degraded: list[str]) -> list[str]:
    names = {
        "kg": "the knowledge graph",
        "explain": "the knowledge graph",
        "vector": "semantic search",
        "cf_knn": "ratings",
        "cf_svd": "ratings",
        "popularity": "ratings",
        "llm": "the language model",
    }
    return list(dict.fromkeys(names.get(d, d) for d in degraded))


def _question(
    context: TurnContext, state: DialogueState, trace: list[ToolStep]
) -> tuple[DialogueState, str] | None:
    started = time.perf_counter()
    pool = context.toolbox.ranker.rank(state.to_profile(), k=40, diversify=False)
    question = best_question(state, [item.item_id for item in pool.items], context.toolbox.items)
    trace.append(
        ToolStep(
            name="policy",
            args={"candidates": len(pool.items)},
            summary=question.slot if question else "recommend",
            ms=_ms(started),
        )
    )
    if question is None:
        return None
    asked = state.model_copy(deep=True)
    asked.asked_slots.append(question.slot)
    asked.questions_asked += 1
    acknowledgement = (
        ("Noted: " + understood(state, context.toolbox) + ".") if understood(state, context.toolbox) else ""
    )
    text = prompts.render(
        "question.j2", slot=question.slot, options=question.options, acknowledgement=acknowledgement
    )
    return asked, text


def _explain(
    context: TurnContext, state: DialogueState, item_id: int, trace: list[ToolStep], degraded: list[str]
) -> Iterator[StreamEvent]:
    toolbox = context.toolbox
    started = time.perf_counter()
    reasons: list[str] = []
    try:
        paths = toolbox.explain(state.to_profile(), [item_id]).get(item_id, [])
        reasons = [e.summary for e in paths]
    except ParleyError:
        degraded.append("kg")
    if not reasons:
        cf = toolbox.cf_score.score(state.to_profile().model_copy(update={"recommended": ()}), "knn", 200)[0]
        reasons = [e.summary for s in cf if s.item_id == item_id for e in s.evidence]
    trace.append(
        ToolStep(
            name="kg_lookup",
            args={"action": "paths", "target_id": item_id},
            summary=f"{len(reasons)} reasons",
            ms=_ms(started),
        )
    )
    row = toolbox.items.get(item_id)
    text = prompts.render(
        "explain_reply.j2",
        title=row.display_title if row else str(item_id),
        year=row.year if row else None,
        reasons=reasons[:3],
    )
    yield DoneEvent(reply=Reply(session_id="", text=text, profile=state, trace=trace, degraded=degraded))
