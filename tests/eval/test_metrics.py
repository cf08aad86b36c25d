"""Metric functions against hand-computed examples."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.state import DialogueState
from bot.types import Reason, Recommendation, Reply, ToolStep
from eval.metrics import common_figures, evaluate_dialogue, ndcg_at_k, recall_at_k, repeat_count
from eval.traceability import reason_stated, reason_traceability
from eval.types import Dialogue, Goal, Utterance

FACTS: dict[int, dict[str, Any]] = {
    6: {
        "title": "Heat",
        "directors": ["michael mann"],
        "cast": ["al pacino"],
        "keywords": ["heist"],
        "genres": ["Action", "Crime"],
        "popularity": 102,
    },
    16: {
        "title": "Casino",
        "directors": ["martin scorsese"],
        "cast": ["robert de niro"],
        "keywords": [],
        "genres": ["Crime"],
        "popularity": 80,
    },
    858: {
        "title": "The Godfather",
        "directors": [],
        "cast": ["al pacino"],
        "keywords": [],
        "genres": ["Crime"],
        "popularity": 192,
        "year": 1972,
        "chat_recommended": 12,
        "chat_co_recommended": {6: 3},
    },
}


def facts(item_id: int) -> dict[str, Any]:
    return FACTS.get(item_id, {})


def test_recall_counts_outside_targets_as_misses() -> None:
    assert recall_at_k([1, 2, 3], [2, None], 10) == 0.5
    assert recall_at_k([1, 2, 3], [3], 2) == 0.0
    assert recall_at_k([1, 2, 3], [1, 3], 3) == 1.0
    assert recall_at_k([1], [], 1) is None


def test_ndcg_by_hand() -> None:
    # hits at ranks 1 and 3 of two targets: (1 + 1/log2(4)) / (1 + 1/log2(3))
    expected = (1 + 1 / 2) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([5, 7, 9], [5, 9], 10) == pytest.approx(expected)
    assert ndcg_at_k([5, 7, 9], [9, None], 10) == pytest.approx(0.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([5], [6], 10) == 0.0


def _rec(item_id: int, *reasons: Reason) -> Recommendation:
    return Recommendation(
        item_id=item_id, title=facts(item_id).get("title", "?"), score=1.0, reasons=list(reasons)
    )


def _bot(
    recs: list[Recommendation], trace: list[ToolStep], state: DialogueState, ms: float = 10.0
) -> Utterance:
    reply = Reply(session_id="s", text="", recommendations=recs, profile=state, trace=trace)
    return Utterance(speaker="bot", text="", reply=reply, ms=ms)


KG = ToolStep(name="kg_lookup", args={"mode": "neighbours"})
CF = ToolStep(name="cf_score", args={"mode": "knn"})
LIKES_HEAT = DialogueState(liked_items=[6])
SHARED_CAST = Reason(
    text="with Al Pacino, who is also in Heat",
    source="kg",
    evidence={"kind": "shared_cast", "key": "al pacino", "via": [6]},
)


def test_reason_traceability_by_hand() -> None:
    wrong_person = Reason(
        text="x", source="kg", evidence={"kind": "shared_cast", "key": "al pacino", "via": [6]}
    )
    neighbours = Reason(
        text="people who liked Heat also rated this highly",
        source="cf",
        evidence={"kind": "cf_neighbours", "neighbours": [{"item_id": 6}]},
    )
    stranger = Reason(
        text="z", source="cf", evidence={"kind": "cf_neighbours", "neighbours": [{"item_id": 16}]}
    )
    popular = Reason(
        text="widely liked: rated 4.1/5 by 192 people",
        source="cf",
        evidence={"kind": "popular", "n_ratings": 192},
    )
    recs = [_rec(858, SHARED_CAST, neighbours, stranger, popular), _rec(16, wrong_person)]
    # verified: shared cast (Pacino in both, Heat liked), neighbours (Heat liked), popular (192);
    # not: a neighbour that is not liked, Pacino is not in Casino
    assert reason_traceability(recs, LIKES_HEAT, [KG, CF], facts) == (3, 5)
    # without the kg tool in the trace the kg reason is unverified
    assert reason_traceability(recs[:1], LIKES_HEAT, [CF], facts) == (2, 4)
    # not liked: the "also in Heat" claim does not hold
    assert reason_traceability(recs[:1], DialogueState(), [KG, CF], facts) == (1, 4)
    # no trace (a ranking outside a chat): only the claims
    assert reason_traceability(recs[:1], LIKES_HEAT, None, facts) == (3, 4)


def test_evaluate_dialogue_by_hand() -> None:
    dialogue = Dialogue(
        dialogue_id="d",
        goal=Goal(goal_id="g", targets=[858]),
        utterances=[
            Utterance(speaker="user", text="a crime film"),
            _bot([_rec(16, SHARED_CAST), _rec(99)], [KG], LIKES_HEAT, ms=10.0),
            Utterance(speaker="user", text="not that one", feedback=[(16, "reject")]),
            _bot([_rec(16), _rec(858, SHARED_CAST)], [KG], LIKES_HEAT, ms=30.0),
        ],
    )
    result = evaluate_dialogue(dialogue, {6, 16, 858}, facts)
    assert repeat_count(dialogue) == (1, 4)
    assert result.success is True
    assert result.turns_to_success == 2
    assert result.recall_at_1 == 0.0  # distinct order: 16, 99, 858
    assert result.recall_at_10 == 1.0
    assert result.out_of_catalogue == 1  # 99
    assert (result.reasons_verified, result.reasons) == (1, 2)
    figures = common_figures([result])
    assert figures == {
        "out_of_catalogue_rate": 0.25,
        "repeat_rate": 0.25,
        "reason_traceability": 0.5,
        "constraint_violations": 0,
        "reason_filler": 0,
        "reason_bot_mentions": 0,
        "latency_ms": {"p50": 10.0, "p95": 30.0},
    }


def _chat_text(evidence: dict[str, Any]) -> str:
    """A conversation reason's text as the chat sources write it."""
    names = " and ".join(str(facts(int(v)).get("title")) for v in evidence.get("via") or [])
    if evidence["kind"] == "chat_recommended":
        return f"often recommended in real movie chats ({evidence['n_dialogues']} conversations)"
    if evidence["kind"] == "chat_co_recommended":
        return f"recommended in real movie chats to people who mentioned {names}"
    if evidence["kind"] == "chat_recent":
        return f"a {evidence['year']} film, recommended in {evidence['n_dialogues']} real movie chats"
    words = ", ".join(repr(w) for w in evidence.get("words") or [])
    return f"recommended in {evidence['n_dialogues']} real movie chats like this one (mentioned {names}, asked for {words})"


def test_conversation_reasons_are_checked_against_the_recorded_counts() -> None:
    def reason(**evidence: Any) -> Reason:
        return Reason(text=_chat_text(evidence), source="cf", evidence=evidence)

    prior_ok = reason(kind="chat_recommended", n_dialogues=11)  # a replay left one dialogue out
    prior_inflated = reason(kind="chat_recommended", n_dialogues=13)
    co_ok = reason(kind="chat_co_recommended", via=[6], counts=[3])
    co_inflated = reason(kind="chat_co_recommended", via=[6], counts=[4])
    co_not_liked = reason(kind="chat_co_recommended", via=[16], counts=[1])
    recs = [_rec(858, prior_ok, prior_inflated, co_ok, co_inflated, co_not_liked)]
    assert reason_traceability(recs, LIKES_HEAT, [CF], facts) == (2, 5)
    # Heat not liked: the co-mention claim does not hold
    assert reason_traceability(recs, DialogueState(), [CF], facts) == (1, 5)


def test_new_release_reasons_need_the_films_year_and_count() -> None:
    def reason(**evidence: Any) -> Reason:
        evidence = {"kind": "chat_recent", **evidence}
        return Reason(text=_chat_text(evidence), source="cf", evidence=evidence)

    ok = reason(n_dialogues=11, year=1972)  # a replay left one dialogue out
    wrong_year = reason(n_dialogues=11, year=2019)
    inflated = reason(n_dialogues=13, year=1972)
    unstated = Reason(
        text="new in chats", source="cf", evidence={"kind": "chat_recent", "n_dialogues": 11, "year": 1972}
    )
    recs = [_rec(858, ok, wrong_year, inflated)]
    assert reason_traceability(recs, LIKES_HEAT, [CF], facts) == (1, 3)
    assert reason_stated(ok, facts) and not reason_stated(unstated, facts)


def test_similar_chat_reasons_need_named_movies_and_said_words() -> None:
    def reason(**evidence: Any) -> Reason:
        evidence = {"kind": "chat_similar", **evidence}
        return Reason(text=_chat_text(evidence), source="cf", evidence=evidence)

    state = LIKES_HEAT.model_copy(update={"conversation_text": "Something gritty, a heist maybe"})
    ok = reason(n_dialogues=4, via=[6], words=["heist", "gritty"])
    words_only = reason(n_dialogues=12, via=[], words=["gritty"])
    too_many = reason(n_dialogues=13, via=[6], words=[])  # more chats than ever recommended it
    not_said = reason(n_dialogues=4, via=[6], words=["clowns"])
    not_named = reason(n_dialogues=4, via=[16], words=[])
    nothing_shared = reason(n_dialogues=4, via=[], words=[])
    recs = [_rec(858, ok, words_only, too_many, not_said, not_named, nothing_shared)]
    assert reason_traceability(recs, state, [CF], facts) == (2, 6)
    assert reason_traceability(recs, LIKES_HEAT, [CF], facts) == (0, 6)  # nothing was said


def test_a_reason_whose_text_says_what_its_evidence_does_not_is_unverified() -> None:
    """The person reads the text: a true claim under a text that names another person, count or
    film is not traceable."""
    wrong_name = SHARED_CAST.model_copy(update={"text": "with Robert De Niro, who is also in Heat"})
    wrong_count = Reason(
        text="rated by 193 people", source="cf", evidence={"kind": "popular", "n_ratings": 192}
    )
    right_count = wrong_count.model_copy(update={"text": "widely liked: rated 4.1/5 by 192 people"})
    co = {"kind": "chat_co_recommended", "via": [6], "counts": [3]}
    other_film = Reason(text="recommended in chats to people who mentioned Casino", source="cf", evidence=co)
    nothing_specific = Reason(text="people who liked the films you mentioned also rated this highly", source="cf",
                              evidence={"kind": "cf_neighbours", "neighbours": [{"item_id": 6}]})  # fmt: skip
    named = nothing_specific.model_copy(update={"text": "people who liked Heat also rated this highly"})
    assert [reason_stated(r, facts) for r in (SHARED_CAST, wrong_name, wrong_count, right_count)] == [
        True,
        False,
        False,
        True,
    ]
    assert not reason_stated(other_film, facts)
    # a rating reason names the liked films it rests on, not "the films you mentioned"
    assert not reason_stated(nothing_specific, facts) and reason_stated(named, facts)
    recs = [_rec(858, SHARED_CAST, wrong_name, wrong_count, right_count, other_film, nothing_specific, named)]
    assert reason_traceability(recs, LIKES_HEAT, None, facts) == (3, 7)


def test_constraint_violations_are_counted_per_turn() -> None:
    dialogue = Dialogue(
        dialogue_id="d",
        utterances=[
            Utterance(speaker="user", text="not too long"),
            _bot([_rec(16), _rec(858)], [KG], LIKES_HEAT, ms=10.0),
            _bot([_rec(16)], [KG], LIKES_HEAT, ms=10.0),
        ],
    )

    def too_long(recs: list[Recommendation], state: DialogueState) -> list[str]:
        return [f"{r.item_id}: longer than the runtime limit" for r in recs if r.item_id == 16]

    result = evaluate_dialogue(dialogue, {6, 16, 858}, facts, too_long)
    assert result.constraint_violations == 2
    assert common_figures([result])["constraint_violations"] == 2
    assert evaluate_dialogue(dialogue, {6, 16, 858}, facts).constraint_violations == 0
