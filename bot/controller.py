"""One turn: link the message once, extract, update the state, ask or recommend, write.

Plan-first (default on CPU): the tools are called by code, the LLM only extracts and writes. In
tool-calling mode (``TurnContext.tool_agent``), the LLM chooses the retrieval tools itself
(``bot.tool_agent``) and the ranker fuses what they returned; everything else is shared, so both
modes give the same ``Reply``."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Literal

from langgraph.errors import GraphRecursionError

from bot.extract import Extraction, extract
from bot.llm.base import LLMBackend
from bot.llm_extract import llm_extract, merge
from bot.mentions import Mentions, link_message
from bot.policy import best_question, should_ask
from bot.reasons import rank_steps, shown_evidence, to_recommendations
from bot.references import Reference, find_references
from bot.replies import explanation_text, labels, question_text, understood
from bot.state import DialogueState
from bot.state_update import apply_extraction, apply_feedback
from bot.tool_agent import ToolAgent
from bot.types import (
    DoneEvent,
    Recommendation,
    RecommendationsEvent,
    Reply,
    StreamEvent,
    ToolStep,
    ToolStepEvent,
)
from bot.writing import GroundedWriter, WriteOutcome
from bot.writing.trace import writer_args
from tools.engine import Toolbox
from tools.errors import ParleyError
from tools.preferences import NAMED, has_any
from tools.ranking import EVIDENCE_PRIORITY, Gathered, RankResult
from tools.timing import ms_since

log = logging.getLogger(__name__)
EXTRACTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-extract")  # one model, one job
FOLLOW_UP = re.compile(r"^\W*(?:an?other|more|next|something else|others?)\b", re.I)


@dataclass
class TurnContext:
    toolbox: Toolbox
    llm: LLMBackend | None
    writer: GroundedWriter
    max_questions: int
    k: int
    llm_extractor: str = "when_unsure"  # always | when_unsure (the deterministic one found nothing)
    llm_extract_budget_s: float = 1.0  # past it the deterministic extraction answers alone
    tool_agent: ToolAgent | None = None  # set: the LLM chooses the tools (tool-calling mode)


def _extract(
    context: TurnContext,
    mentions: Mentions,
    trace: list[ToolStep],
    degraded: list[str],
    last_shown: list[int],
) -> Extraction:
    started = time.perf_counter()
    text = mentions.text
    found = extract(mentions, context.toolbox.items.latest_year)
    n = len(found.liked_items) + len(found.disliked_items) + len(found.liked_people) + len(found.genres_in)
    trace.append(
        ToolStep(
            name="kg_lookup",
            args={"action": "link", "text": text[:200]},
            summary=f"{n} entities",
            ms=ms_since(started),
        )
    )
    # "the first one" and "another one" are clear without the LLM
    unsure = _unsure(found) and not find_references(text, last_shown, []) and not FOLLOW_UP.search(text)
    wanted = context.llm_extractor == "always" or (context.llm_extractor == "when_unsure" and unsure)
    if context.llm is not None and context.llm.supports_json and wanted:
        started = time.perf_counter()
        genres = sorted({g for row in context.toolbox.items.rows.values() for g in row.genres})
        try:
            own = mentions.own_text  # the model never reads what is addressed to the system
            if own.strip():
                budget = (
                    context.llm_extract_budget_s
                )  # the model stops itself there, freeing it for the writer
                job = EXTRACTOR.submit(llm_extract, own, context.llm, context.toolbox.index, genres, budget)
                found = merge(found, job.result(timeout=context.llm_extract_budget_s))
            ignored = mentions.commanded_items()
            found.liked_items = [i for i in found.liked_items if i not in ignored]
            found.disliked_items = [i for i in found.disliked_items if i not in ignored]
            trace.append(ToolStep(name="llm_extract", summary="merged", ms=ms_since(started)))
        except FutureTimeout:  # the list is not held back; the model stops itself at the same budget
            summary = (
                f"over its {context.llm_extract_budget_s:g} s budget: the deterministic extraction answered"
            )
            trace.append(ToolStep(name="llm_extract", summary=summary, ms=ms_since(started), ok=False))
        except ParleyError as error:
            degraded.append("llm")
            trace.append(
                ToolStep(name="llm_extract", summary=f"unavailable: {error}", ms=ms_since(started), ok=False)
            )
    return found


def _unsure(found: Extraction) -> bool:
    """The deterministic extractor found nothing to act on (no preference field the linker and the
    lexicons fill), or an ambiguous mention: worth the LLM extractor's seconds (kept off the common
    path so the list comes within a second)."""
    cleared = found.clear_year_range or found.clear_runtime or found.clear_languages
    return bool(found.ambiguous) or not (cleared or has_any(found, NAMED))


def plan_turn(context: TurnContext, state: DialogueState, text: str) -> Iterator[StreamEvent]:
    trace: list[ToolStep] = []
    degraded: list[str] = []
    toolbox = context.toolbox
    mentions = link_message(text, toolbox.index, toolbox.extended)  # the only entity linking of this message
    found = _extract(context, mentions, trace, degraded, state.last_recommendations)
    named = found.liked_items + found.disliked_items
    references = find_references(text, state.last_recommendations, named)
    referenced = {r.item_id for r in references}
    found.liked_items = [i for i in found.liked_items if i not in referenced]
    found.disliked_items = [i for i in found.disliked_items if i not in referenced]
    new_state = apply_extraction(state, found)
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
    written = WriteOutcome(text="")
    for piece in context.writer.stream(
        recommendations,
        understood(new_state, toolbox),
        labels(degraded),
        ambiguous,
        allowed,
        wish=mentions.own_text,
    ):
        if isinstance(piece, WriteOutcome):
            written = piece
        else:
            yield piece  # a validated piece, as soon as it passed
    text_out, writer = written.text, written.kind
    summary = f"{len(text_out)} characters" + "".join(f"; draft rejected: {r}" for r in written.rejections)
    trace.append(
        ToolStep(name="writer", args=writer_args(written), summary=summary[:1000], ms=ms_since(started))
    )
    yield DoneEvent(
        reply=Reply(
            session_id="",
            text=text_out,
            recommendations=recommendations,
            profile=new_state,
            trace=trace,
            degraded=degraded,
            writer="template" if writer == "template" else "llm",
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
        steps.append(ToolStep(name="fallback", summary=f"plan-first ranker ({reason})", ms=ms_since(started)))
    ranker = context.toolbox.ranker
    gathered = gathered or ranker.gather(profile)  # reuse the question policy's gathering
    result = ranker.fuse(profile, gathered.found, context.k, True, gathered.timings, gathered.degraded)
    return result, steps + rank_steps(result), "controller"


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
            ms=ms_since(started),
        )
    )
    if question is None:
        return None
    asked = state.model_copy(deep=True)
    asked.asked_slots.append(question.slot)
    asked.questions_asked += 1
    return asked, question_text(question, state, context.toolbox)


def _explain(
    context: TurnContext, state: DialogueState, item_id: int, trace: list[ToolStep], degraded: list[str]
) -> Iterator[StreamEvent]:
    toolbox = context.toolbox
    started = time.perf_counter()
    reasons: list[str] = []
    try:
        paths = toolbox.explain(state.to_profile(), [item_id]).get(item_id, [])
        reasons = [e.summary for e in shown_evidence(paths)]
    except ParleyError:
        degraded.append("kg")
    if not reasons:  # no graph path from a liked item: what every source says about the item
        profile = state.to_profile().model_copy(update={"recommended": (), "seen": (), "rejected": ()})
        gathered = toolbox.ranker.gather(profile)
        found = [
            e for items in gathered.found.values() for s in items if s.item_id == item_id for e in s.evidence
        ]
        found.sort(key=lambda e: EVIDENCE_PRIORITY.get(e.kind, 50))
        reasons = list(dict.fromkeys(e.summary for e in shown_evidence(found)))
    trace.append(
        ToolStep(
            name="kg_lookup",
            args={"action": "paths", "target_id": item_id},
            summary=f"{len(reasons)} reasons",
            ms=ms_since(started),
        )
    )
    text = explanation_text(item_id, reasons, toolbox)
    writer: Literal["llm", "template"] = "template"
    row = toolbox.items.get(item_id)
    if context.writer.llm is not None and row is not None:
        started = time.perf_counter()
        about = Recommendation(
            item_id=item_id,
            title=row.display_title,
            year=row.year,
            genres=sorted(row.genres),
            score=0.0,
            reasons=[],
        )
        allowed = set(state.liked_items) | set(state.disliked_items)
        own, piece = context.writer.explain(about, reasons, allowed)
        if piece is not None:
            title = f"{row.display_title} ({row.year})" if row.year else row.display_title
            text, writer = (f"Why {title}? {own}", "llm") if own else (text, "template")
            summary = f"{len(text)} characters" + "".join(f"; draft rejected: {r}" for r in piece.reasons)
            args = {"kind": writer, "task": "why", "rejected": piece.rejected}
            trace.append(ToolStep(name="writer", args=args, summary=summary[:1000], ms=ms_since(started)))
    yield DoneEvent(
        reply=Reply(
            session_id="",
            text=text,
            profile=state,
            trace=trace,
            degraded=degraded,
            writer=writer,
        )
    )
