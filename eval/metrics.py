"""Metrics over rankings and dialogues.

Ranking metrics take a ranked list of item ids and the targets (``None`` = a target outside the
catalogue, always a miss). Dialogue metrics take ``eval.types.Dialogue`` objects driven through the
public API. ``evaluate_dialogue`` bundles the per-dialogue figures.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from bot.state import DialogueState
from bot.types import Reason, Recommendation, ToolStep
from eval.types import Dialogue

Facts = Callable[[int], dict[str, Any]]


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


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """Nearest-rank p50 and p95 (0.0 for no values)."""
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    return {"p50": round(rank(0.50), 1), "p95": round(rank(0.95), 1)}


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


# -- reason traceability ------------------------------------------------------------------------------

SOURCE_TOOLS = {"kg": {"kg_lookup"}, "cf": {"cf_score", "trending"}, "vector": {"vector_search"}}
RELATION_FIELDS = {
    "shared_director": ("directors",),
    "shared_cast": ("cast",),
    "shared_person": ("directors", "cast"),  # one person, directing one film and acting in the other
    "shared_keyword": ("keywords",),
    "shared_genre": ("genres",),
}


def _norm(text: object) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def _has(facts: dict[str, Any], fields: Sequence[str], key: str) -> bool:
    wanted = _norm(key)
    return bool(wanted) and any(wanted in {_norm(v) for v in facts.get(f) or []} for f in fields)


def _tool_ran(source: str, trace: Sequence[ToolStep] | None) -> bool:
    if trace is None:  # a ranking outside a chat turn (replay): nothing to check against
        return True
    tools = SOURCE_TOOLS.get(source, set())
    return any(s.ok and s.name in tools and s.args.get("action") != "link" for s in trace)


def _kg_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    kind = str(ev.get("kind", ""))
    if kind == "by_person":
        person = str(ev.get("person_key", ""))
        return _norm(person) in {_norm(p) for p in state.liked_people} and _has(
            facts(rec.item_id), ("directors", "cast"), person
        )
    fields = RELATION_FIELDS.get(kind)
    if fields is None:
        return False
    nodes = ev.get("nodes") or []
    key: Any = ev.get("key")
    if key is None and len(nodes) > 2 and isinstance(nodes[1], dict):
        key = nodes[1].get("id")
    sources = [int(v) for v in ev.get("via") or []]
    if not sources and ev.get("source") is not None:
        sources = [int(ev["source"])]
    if key is None or not sources:
        return False
    liked = set(state.liked_items)
    return _has(facts(rec.item_id), fields, str(key)) and all(
        s in liked and _has(facts(s), fields, str(key)) for s in sources
    )


def _cf_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    kind = str(ev.get("kind", ""))
    liked = set(state.liked_items)
    if kind == "cf_neighbours":
        neighbours = [int(n["item_id"]) for n in ev.get("neighbours") or []]
        return bool(neighbours) and all(n in liked for n in neighbours)
    if kind == "svd_foldin":
        rating = ev.get("predicted_rating")
        close = [int(n["item_id"]) for n in ev.get("closest_liked") or []]
        return isinstance(rating, int | float) and 0.5 <= rating <= 5.0 and all(c in liked for c in close)
    if kind in ("popular", "trending"):
        n = ev.get("n_ratings")
        return isinstance(n, int) and n > 0 and n == facts(rec.item_id).get("popularity")
    if kind == "chat_recommended":  # a replay leaves its own dialogue out: the count may be lower
        n, recorded = ev.get("n_dialogues"), facts(rec.item_id).get("chat_recommended")
        return isinstance(n, int) and isinstance(recorded, int) and 0 < n <= recorded
    if kind == "chat_co_recommended":
        via, counts = [int(v) for v in ev.get("via") or []], list(ev.get("counts") or [])
        recorded = facts(rec.item_id).get("chat_co_recommended") or {}
        return (
            bool(via)
            and len(via) == len(counts)
            and all(
                v in liked and 0 < int(c) <= int(recorded.get(v, 0)) for v, c in zip(via, counts, strict=True)
            )  # type: ignore[union-attr]
        )
    if kind == "chat_similar":
        return _chat_similar_claim(rec, ev, state, facts)
    return False


def _chat_similar_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    """ "Recommended in n chats like this one (people who also mentioned X / asked for 'w')": n is
    at most the chats that recommended it, X was named in this conversation and w was said in it."""
    n, recorded = ev.get("n_dialogues"), facts(rec.item_id).get("chat_recommended")
    named = set(state.to_profile().mentioned_items)
    said = state.said.lower()
    via, words = [int(v) for v in ev.get("via") or []], [str(w) for w in ev.get("words") or []]
    return (
        isinstance(n, int)
        and isinstance(recorded, int)
        and 0 < n <= recorded
        and bool(via or words)
        and all(v in named for v in via)
        and all(re.search(rf"\b{re.escape(w)}", said) for w in words)
    )


def _vector_claim(rec: Recommendation, ev: dict[str, Any]) -> bool:
    snippet = _norm(ev.get("snippet", ""))
    title = _norm(rec.title)
    return bool(snippet and title) and fuzz.partial_ratio(title, snippet[: len(title) + 60]) >= 90


def reason_verified(
    rec: Recommendation,
    reason: Reason,
    state: DialogueState,
    trace: Sequence[ToolStep] | None,
    facts: Facts,
) -> bool:
    """Whether one reason's claim is verified against its turn (see ``reason_traceability``)."""
    if not _tool_ran(reason.source, trace):
        return False
    if reason.source == "kg":
        return _kg_claim(rec, reason.evidence, state, facts)
    if reason.source == "cf":
        return _cf_claim(rec, reason.evidence, state, facts)
    return _vector_claim(rec, reason.evidence)


def reason_traceability(
    recommendations: Sequence[Recommendation],
    state: DialogueState,
    trace: Sequence[ToolStep] | None,
    facts: Facts,
) -> tuple[int, int]:
    """(verified reasons, reasons) of one turn's recommendations.

    A reason is *verified* when both hold:

    1. **the tool ran**: the turn's trace has a successful step of the reason's tool — ``kg`` →
       ``kg_lookup`` (not the ``link`` action), ``cf`` → ``cf_score`` or ``trending``, ``vector`` →
       ``vector_search`` (skipped when ``trace`` is None: a ranking outside a chat turn);
    2. **the claim holds** against the catalogue facts (``Recommender.item_facts``) and the turn's
       state (the reply's profile):

       * ``kg`` ``shared_director|shared_cast|shared_keyword|shared_genre``: the shared entity (the
         evidence's ``key``, or the middle node of its path) is among the recommended item's
         directors / cast / keywords / genres, and among those of every item it is said to share it
         with (``via`` or the path's ``source``), each of which the person liked;
       * ``kg`` ``by_person``: the person is one the person liked and directs or acts in the item;
       * ``cf`` ``cf_neighbours``: at least one neighbour, all liked items; ``svd_foldin``: the
         predicted rating is within 0.5..5 and every "closest liked" item is liked; ``popular`` /
         ``trending``: the rating count is positive and equals the item's catalogue popularity;
       * ``vector`` ``text_match``: the matched snippet is the recommended item's own text (its
         title fuzzy-matches the snippet's opening, partial ratio >= 90).

    Any other evidence kind is unverified. Traceability is verified / reasons (1.0 when no reasons).
    """
    verified = total = 0
    for rec in recommendations:
        for reason in rec.reasons:
            total += 1
            verified += reason_verified(rec, reason, state, trace, facts)
    return verified, total


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
    latency_ms: list[float] = []


def evaluate_dialogue(dialogue: Dialogue, catalogue: set[int], facts: Facts) -> DialogueResult:
    """The figures of one dialogue. Recall@k of a goal-driven dialogue: the share of the targets
    among the first k distinct items recommended over the whole dialogue, in the order shown."""
    bots = dialogue.bot_utterances()
    shown = recommended_in_order(dialogue)
    repeats, total = repeat_count(dialogue)
    outside, _ = out_of_catalogue_count(shown, catalogue)
    verified = reasons = 0
    for utterance in bots:
        if utterance.reply is not None and utterance.reply.recommendations:
            v, n = reason_traceability(
                utterance.reply.recommendations, utterance.reply.profile, utterance.reply.trace, facts
            )
            verified, reasons = verified + v, reasons + n
    result = DialogueResult(
        dialogue_id=dialogue.dialogue_id,
        n_turns=len(bots),
        repeats=repeats,
        recommended=total,
        out_of_catalogue=outside,
        reasons_verified=verified,
        reasons=reasons,
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
    latency_ms (p50/p95 over bot turns)."""
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
        "latency_ms": percentiles([ms for r in results for ms in r.latency_ms]),
    }
