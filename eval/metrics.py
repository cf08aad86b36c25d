"""Metrics over rankings and dialogues.

Ranking metrics take a ranked list of item ids and the targets (``None`` = a target outside the
catalogue, always a miss). Dialogue metrics take ``eval.types.Dialogue`` objects driven through the
public API. ``evaluate_dialogue`` bundles the per-dialogue figures (reason traceability is
``eval.traceability``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from bot.state import DialogueState
from bot.timing import percentiles
from bot.types import Recommendation
from eval.traceability import Facts, Quotable, count_faults, reason_traceability
from eval.types import Dialogue

# the hard constraints a turn's recommendations break for its state (``Evaluation.violations``)
Violations = Callable[[list[Recommendation], DialogueState], list[str]]


def recall_at_k(ranked: Sequence[int], targets: Sequence[int | None], k: int) -> float | None:
    """Share of the targets found in ``ranked[:k]``; None when there are no targets. A ``None``
    target (outside the catalogue) counts in the denominator and is never found."""
    if not targets:
        return None
    top = set(ranked[:k])
    return sum(1 for t in targets if t is not None and t in top) / len(targets)


def ndcg_at_k(ranked: Sequence[int], targets: Sequence[int | None], k: int) -> float | None:
    """Binary-relevance NDCG@k: DCG of the hits in ``ranked[:k]`` over the ideal DCG of
    ``min(len(targets), k)`` hits (targets outside the catalogue still count in the ideal)."""
    if not targets:
        return None
    hits = {t for t in targets if t is not None}
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(ranked[:k]) if item in hits)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(targets), k)))
    return dcg / ideal


def mean(values: Iterable[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else 0.0


def recommended_in_order(dialogue: Dialogue) -> list[int]:
    """Every item the bot recommended, in the order shown, repeats included."""
    return [i for u in dialogue.bot_utterances() for i in u.recommendations]


def distinct_in_order(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def success(dialogue: Dialogue, targets: Sequence[int]) -> bool:
    """True when any bot turn recommended any target."""
    wanted = set(targets)
    return any(i in wanted for i in recommended_in_order(dialogue))


def turns_to_success(dialogue: Dialogue, targets: Sequence[int]) -> int | None:
    """The 1-based bot turn that first recommended a target, None when none did."""
    wanted = set(targets)
    for n, utterance in enumerate(dialogue.bot_utterances(), start=1):
        if wanted & set(utterance.recommendations):
            return n
    return None


def repeat_count(dialogue: Dialogue) -> tuple[int, int]:
    """(recommendations of an item already recommended earlier in the dialogue, recommendations)."""
    shown: set[int] = set()
    repeats = total = 0
    for utterance in dialogue.bot_utterances():
        for item in utterance.recommendations:
            total += 1
            repeats += item in shown
        shown.update(utterance.recommendations)
    return repeats, total


def out_of_catalogue_count(ids: Iterable[int], catalogue: set[int]) -> tuple[int, int]:
    """(recommended ids not in the catalogue, recommended ids)."""
    listed = list(ids)
    return sum(1 for i in listed if i not in catalogue), len(listed)


# -- per-dialogue results ---------------------------------------------------------------------------


class DialogueResult(BaseModel):
    dialogue_id: str
    n_turns: int  # bot turns
    success: bool | None = None  # None without a goal
    turns_to_success: int | None = None
    recall_at_1: float | None = None
    recall_at_10: float | None = None
    repeats: int = 0
    recommended: int = 0
    out_of_catalogue: int = 0
    reasons_verified: int = 0
    reasons: int = 0
    constraint_violations: int = 0  # recommendations breaking a hard constraint of their turn's state
    reason_filler: int = 0  # reasons quoting words that say nothing about films ('please')
    reason_bot_mentions: int = 0  # reasons naming Parley's own suggestions as the person's
    latency_ms: list[float] = []


def _any(_: str) -> bool:
    return True


def evaluate_dialogue(
    dialogue: Dialogue,
    catalogue: set[int],
    facts: Facts,
    violations: Violations | None = None,
    quotable: Quotable | None = None,
) -> DialogueResult:
    """The figures of one dialogue. Recall@k of a goal-driven dialogue: the share of the targets
    among the first k distinct items recommended over the whole dialogue, in the order shown.
    ``violations`` (``recommender.evaluation().violations``) counts the recommendations that break
    a hard constraint of the state they were made for (runtime, language, years, genres...).
    ``quotable`` (``Evaluation.quotable``) is the rule the ``reason_filler`` count checks quoted
    words against (without it only ``reason_bot_mentions`` is counted)."""
    bots = dialogue.bot_utterances()
    shown = recommended_in_order(dialogue)
    repeats, total = repeat_count(dialogue)
    outside, _ = out_of_catalogue_count(shown, catalogue)
    verified = reasons = broken = 0
    faults = {"reason_filler": 0, "reason_bot_mentions": 0}
    for utterance in bots:
        if utterance.reply is not None and utterance.reply.recommendations:
            v, n = reason_traceability(
                utterance.reply.recommendations, utterance.reply.profile, utterance.reply.trace, facts
            )
            verified, reasons = verified + v, reasons + n
            if violations is not None:
                broken += len(violations(utterance.reply.recommendations, utterance.reply.profile))
            found = count_faults(utterance.reply.recommendations, utterance.reply.profile, quotable or _any)
            faults = {k: faults[k] + found[k] for k in faults}
    result = DialogueResult(
        dialogue_id=dialogue.dialogue_id,
        n_turns=len(bots),
        repeats=repeats,
        recommended=total,
        out_of_catalogue=outside,
        reasons_verified=verified,
        reasons=reasons,
        constraint_violations=broken,
        **faults,
        latency_ms=[u.ms for u in bots],
    )
    if dialogue.goal is not None:
        targets = dialogue.goal.targets
        distinct = distinct_in_order(shown)
        result.success = success(dialogue, targets)
        result.turns_to_success = turns_to_success(dialogue, targets)
        result.recall_at_1 = recall_at_k(distinct, list(targets), 1)
        result.recall_at_10 = recall_at_k(distinct, list(targets), 10)
    return result


def common_figures(results: Sequence[DialogueResult]) -> dict[str, Any]:
    """The keys every command reports: out_of_catalogue_rate, repeat_rate, reason_traceability,
    constraint_violations, reason_filler and reason_bot_mentions (reasons a person should not read:
    ``eval.traceability.reason_faults``), latency_ms (p50/p95 over bot turns)."""
    recommended = sum(r.recommended for r in results)
    reasons = sum(r.reasons for r in results)
    return {
        "out_of_catalogue_rate": round(sum(r.out_of_catalogue for r in results) / recommended, 4)
        if recommended
        else 0.0,
        "repeat_rate": round(sum(r.repeats for r in results) / recommended, 4) if recommended else 0.0,
        "reason_traceability": round(sum(r.reasons_verified for r in results) / reasons, 4)
        if reasons
        else 1.0,
        "constraint_violations": sum(r.constraint_violations for r in results),
        "reason_filler": sum(r.reason_filler for r in results),
        "reason_bot_mentions": sum(r.reason_bot_mentions for r in results),
        "latency_ms": percentiles([ms for r in results for ms in r.latency_ms]),
    }
