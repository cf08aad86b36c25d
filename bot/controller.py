"""One turn: extract, update the state, ask or recommend, write.

Plan-first (default on CPU): the tools are called by code, the LLM only extracts and writes. In
tool-calling mode (``TurnContext.tool_agent``), the LLM chooses the retrieval tools itself
(``bot.tool_agent``) and the ranker fuses what they returned; everything else is shared, so both
modes give the same ``Reply``."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from langgraph.errors import GraphRecursionError

import prompts
from bot.extract import Extraction, commanded_items, extract, instruction_start, strip_mentions
from bot.llm.base import LLMBackend
from bot.llm_extract import llm_extract, merge
from bot.policy import best_question, should_ask
from bot.references import Reference, find_references
from bot.state import DialogueState
from bot.state_update import apply_extraction, apply_feedback
from bot.tool_agent import ToolAgent
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
from tools.ranker import EVIDENCE_PRIORITY, Gathered, RankResult

log = logging.getLogger(__name__)
FOLLOW_UP = re.compile(r"^\W*(?:an?other|more|next|something else|others?)\b", re.I)
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


@dataclass
class TurnContext:
    toolbox: Toolbox
    llm: LLMBackend | None
    writer: GroundedWriter
    max_questions: int
    k: int
    llm_extractor: str = "when_unsure"  # always | when_unsure (the deterministic one found nothing)
    tool_agent: ToolAgent | None = None  # set: the LLM chooses the tools (tool-calling mode)


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


def _extract(
    context: TurnContext, text: str, trace: list[ToolStep], degraded: list[str], last_shown: list[int]
) -> Extraction:
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
    # "the first one" and "another one" are clear without the LLM
    unsure = _unsure(found) and not find_references(text, last_shown, []) and not FOLLOW_UP.search(text)
    wanted = context.llm_extractor == "always" or (context.llm_extractor == "when_unsure" and unsure)
    if context.llm is not None and context.llm.supports_json and wanted:
        started = time.perf_counter()
        genres = sorted({g for row in context.toolbox.items.rows.values() for g in row.genres})
        try:
            cut = instruction_start(text)  # the model never reads what is addressed to the system
            if text[:cut].strip():
                found = merge(found, llm_extract(text[:cut], context.llm, context.toolbox.index, genres))
            ignored = commanded_items(text, context.toolbox.index)
            found.liked_items = [i for i in found.liked_items if i not in ignored]
            found.disliked_items = [i for i in found.disliked_items if i not in ignored]
            trace.append(ToolStep(name="llm_extract", summary="merged", ms=_ms(started)))
        except ParleyError as error:
            degraded.append("llm")
            trace.append(
                ToolStep(name="llm_extract", summary=f"unavailable: {error}", ms=_ms(started), ok=False)
            )
    return found


def _unsure(found: Extraction) -> bool:
    """The deterministic extractor found nothing to act on, or an ambiguous mention: worth the LLM
    extractor's seconds (kept off the common path so the list comes within a second)."""
    return bool(found.ambiguous) or not (
        found.liked_items
        or found.disliked_items
        or found.liked_people
        or found.disliked_people
        or found.genres_in
        or found.genres_out
        or found.keywords_in
        or found.year_min
        or found.year_max
        or found.clear_year_range
    )


def plan_turn(context: TurnContext, state: DialogueState, text: str) -> Iterator[StreamEvent]:
    trace: list[ToolStep] = []
    degraded: list[str] = []
    toolbox = context.toolbox
    found = _extract(context, text, trace, degraded, state.last_recommendations)
    named = found.liked_items + found.disliked_items
    references = find_references(text, state.last_recommendations, named)
    referenced = {r.item_id for r in references}
    found.liked_items = [i for i in found.liked_items if i not in referenced]
    found.disliked_items = [i for i in found.disliked_items if i not in referenced]
    cut = instruction_start(text)  # what is addressed to the system describes no taste either
    new_state = apply_extraction(state, found, strip_mentions(text[:cut], toolbox.index))
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
    gathered: Gathered | None = None
    if should_ask(new_state, context.max_questions):
        gathered = toolbox.ranker.gather(new_state.to_profile())
        question = _question(context, new_state, trace, gathered)
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
    result, steps, chosen_by = _retrieve(context, new_state, text, gathered)
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
    text_out, writer, rejections = context.writer.write(
        recommendations, understood(new_state, toolbox), _labels(degraded), ambiguous, allowed
    )
    summary = f"{len(text_out)} characters" + "".join(f"; draft rejected: {r}" for r in rejections)
    trace.append(ToolStep(name="writer", args={"kind": writer}, summary=summary[:1000], ms=_ms(started)))
    yield DoneEvent(
        reply=Reply(
            session_id="",
            text=text_out,
            recommendations=recommendations,
            profile=new_state,
            trace=trace,
            degraded=degraded,
            writer="llm" if writer == "llm" else "template",
            tools_chosen_by=chosen_by,
        )
    )


def _retrieve(
    context: TurnContext, state: DialogueState, text: str, gathered: Gathered | None = None
) -> tuple[RankResult, list[ToolStep], Literal["controller", "llm"]]:
    """The ranked list and the tool steps behind it: the LLM's own tool calls fused by the ranker
    (tool-calling mode), or the plan-first ranker (also the fallback when the LLM found nothing)."""
    profile = state.to_profile()
    steps: list[ToolStep] = []
    if context.tool_agent is not None:
        started = time.perf_counter()
        try:
            outcome = context.tool_agent.run(state, text)
            steps.extend(outcome.trace)
            if outcome.found:
                result = context.toolbox.ranker.fuse(profile, outcome.found, k=context.k)
                if result.items:
                    return result, steps + rank_steps(result), "llm"
            reason = "the LLM's tool calls found nothing usable"
        except (ParleyError, GraphRecursionError) as error:
            log.warning("tool-calling agent failed: %s", error)
            reason = f"tool-calling agent unavailable: {error}"
        steps.append(ToolStep(name="fallback", summary=f"plan-first ranker ({reason})", ms=_ms(started)))
    ranker = context.toolbox.ranker
    gathered = gathered or ranker.gather(profile)  # reuse the question policy's gathering
    result = ranker.fuse(profile, gathered.found, context.k, True, gathered.timings, gathered.degraded)
    return result, steps + rank_steps(result), "controller"


def _labels(degraded: list[str]) -> list[str]:
    names = {
        "kg": "the knowledge graph",
        "explain": "the knowledge graph",
        "vector": "semantic search",
        "cf_knn": "ratings",
        "cf_svd": "ratings",
        "popularity": "ratings",
        "chat": "conversation data",
        "chat_co": "conversation data",
        "chat_similar": "conversation data",
        "llm": "the language model",
    }
    return list(dict.fromkeys(names.get(d, d) for d in degraded))


def _question(
    context: TurnContext, state: DialogueState, trace: list[ToolStep], gathered: Gathered
) -> tuple[DialogueState, str] | None:
    started = time.perf_counter()
    pool = context.toolbox.ranker.fuse(
        state.to_profile(), gathered.found, k=40, diversify=False, explain=False
    )
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
    if not reasons:  # no graph path from a liked item: what every source says about the item
        profile = state.to_profile().model_copy(update={"recommended": (), "seen": (), "rejected": ()})
        gathered = toolbox.ranker.gather(profile)
        found = [
            e for items in gathered.found.values() for s in items if s.item_id == item_id for e in s.evidence
        ]
        found.sort(key=lambda e: EVIDENCE_PRIORITY.get(e.kind, 50))
        reasons = list(dict.fromkeys(e.summary for e in found))
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
        reasons=[r[:1].upper() + r[1:] if n == 0 else r for n, r in enumerate(reasons[:3])],
    )
    yield DoneEvent(reply=Reply(session_id="", text=text, profile=state, trace=trace, degraded=degraded))
