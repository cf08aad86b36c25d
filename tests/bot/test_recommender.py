"""Multi-turn dialogues through the public API (template writer), on real stores."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.recommender import InvalidInputError, Recommender
from bot.session_store import SqliteSessionStore
from bot.types import DoneEvent, RecommendationsEvent, TextChunkEvent, ToolStepEvent

HEAT, COLLATERAL = 6, 8798


@pytest.fixture
def rec(make_recommender: Callable[..., Recommender]) -> Recommender:
    return make_recommender(None)


def test_similar_to_a_favourite_recommends_catalogue_items_with_evidence(rec: Recommender) -> None:
    reply = rec.new_session().respond("I loved Heat, something similar please")
    assert HEAT in reply.profile.liked_items
    assert reply.question is None
    assert 1 <= len(reply.recommendations) <= 5
    ids = [r.item_id for r in reply.recommendations]
    assert HEAT not in ids
    assert len(set(ids)) == len(ids)
    for item in reply.recommendations:
        assert item.item_id in rec.toolbox.items
        assert item.reasons, item
        assert item.title in reply.text
    assert {"kg_lookup", "cf_score", "vector_search"} <= {step.name for step in reply.trace}


def test_negation_excludes_a_genre(rec: Recommender) -> None:
    reply = rec.new_session().respond("I love Heat but no crime movies please")
    assert "Crime" in reply.profile.genres_out
    assert reply.recommendations
    assert all("Crime" not in r.genres for r in reply.recommendations)


def test_era_correction(rec: Recommender) -> None:
    session = rec.new_session()
    first = session.respond("I loved Heat. Only films from the 90s")
    assert (first.profile.year_min, first.profile.year_max) == (1990, 1999)
    assert all(r.year is not None and 1990 <= r.year <= 1999 for r in first.recommendations)
    second = session.respond("actually, older films are fine")
    assert second.profile.year_min is None and second.profile.year_max is None


def test_rejected_and_shown_items_never_return(rec: Recommender) -> None:
    session = rec.new_session()
    first = session.respond("I loved Heat and Collateral")
    rejected = first.recommendations[0].item_id
    session.feedback(rejected, "dislike")
    shown = {r.item_id for r in first.recommendations}
    for _ in range(2):
        reply = session.respond("another one")
        ids = {r.item_id for r in reply.recommendations}
        assert rejected not in ids
        assert not ids & shown
        shown |= ids


def test_references_to_earlier_recommendations(rec: Recommender) -> None:
    session = rec.new_session()
    first = session.respond("I loved Heat")
    second_item = first.recommendations[1].item_id
    reply = session.respond("I've seen the second one")
    assert second_item in reply.profile.seen
    why = session.respond("why the first one?")
    target = reply.recommendations[0] if reply.recommendations else first.recommendations[0]
    assert target.title in why.text
    assert why.recommendations == []


def test_question_policy_asks_then_stops(rec: Recommender) -> None:
    session = rec.new_session()
    first = session.respond("hello there")
    assert first.question is not None and not first.recommendations
    second = session.respond("hmm, not sure")
    assert second.question is not None
    assert second.profile.asked_slots[0] != second.profile.asked_slots[1]
    third = session.respond("anything")
    assert third.question is None and third.recommendations


def test_no_question_when_enough_is_known(rec: Recommender) -> None:
    reply = rec.new_session().respond("I liked Collateral")
    assert reply.question is None and reply.recommendations


@pytest.mark.parametrize("bad", ["", "   \n\t ", "x" * 100_000, "\x00\x01\x02", "\u202e\u200f"])
def test_bad_input_gets_a_clear_reply_and_changes_nothing(rec: Recommender, bad: str) -> None:
    session = rec.new_session()
    session.respond("I loved Heat")
    before = session.state.model_copy(deep=True)
    reply = session.respond(bad)
    assert reply.text
    assert reply.recommendations == []
    assert session.state == before
    assert session.respond("something like Collateral").recommendations


def test_other_language_still_answers(rec: Recommender) -> None:
    reply = rec.new_session().respond("Me encantó Heat, ¿algo parecido?")
    assert reply.text
    assert HEAT in reply.profile.liked_items


def test_session_resumes_from_the_store(rec: Recommender) -> None:
    session = rec.new_session()
    session.respond("I loved Heat")
    session.feedback(COLLATERAL, "like")
    resumed = rec.session(session.id)
    assert resumed.state == session.state
    assert COLLATERAL in resumed.state.liked_items
    assert [m.role for m in resumed.history()] == ["user", "assistant"]
    assert rec.store.feedback(session.id) == [(COLLATERAL, "like")]


def test_stream_order_tools_then_list_then_text(rec: Recommender) -> None:
    kinds = [type(e) for e in rec.new_session().stream("I loved Heat")]
    first_list = kinds.index(RecommendationsEvent)
    first_text = kinds.index(TextChunkEvent)
    assert ToolStepEvent in kinds[:first_list]
    assert first_list < first_text
    assert kinds[-1] is DoneEvent


def test_with_options_keeps_every_other_option(
    make_recommender: Callable[..., Recommender], tmp_path: Path
) -> None:
    base = make_recommender(
        None,
        max_questions=1,
        recommendations_per_turn=3,
        llm_extractor="off",
        agent_mode="plan",
        agent_max_steps=4,
    )
    other_store = SqliteSessionStore(tmp_path / "other.sqlite3")
    variant = base.with_options(store=other_store, max_questions=0)
    assert variant.store is other_store and variant.toolbox is base.toolbox
    assert (variant.max_questions, variant.k, variant.options.llm_extractor) == (0, 3, "off")
    assert (variant.options.agent_mode, variant.options.agent_max_steps) == ("plan", 4)
    reply = variant.new_session().respond("I loved Heat")
    assert len(reply.recommendations) == 3 and reply.question is None  # no questions left to ask
    assert base.store.messages(reply.session_id) == []  # the variant's sessions are in its own store


def test_the_persons_own_words_are_kept_for_chats_like_this_one(rec: Recommender) -> None:
    session = rec.new_session()
    session.respond("I loved Heat")
    reply = session.respond("now something gritty with a clever heist")
    said = reply.profile.conversation_text
    assert (
        "gritty" in said and "heist" in said and "Heat" not in said
    )  # the linked title is a like, not words
    assert reply.profile.to_profile().conversation_text == said
    assert rec.session(session.id).state.conversation_text == said  # kept with the session


def test_a_session_stored_with_the_old_field_names_resumes(
    make_recommender: Callable[..., Recommender], tmp_path: Path
) -> None:
    db = tmp_path / "old.sqlite3"
    session = make_recommender(None, db=db).new_session()
    session.respond("I loved Heat")
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT state FROM sessions WHERE id = ?", (session.id,)).fetchone()
        state = json.loads(raw)
        for new in ("description", "conversation_text", "fresh_description"):
            del state[new]
        state |= {"mood": "a clever heist", "said": "I loved a clever heist", "fresh_mood": True}
        conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (json.dumps(state), session.id))
    resumed = make_recommender(None, db=db).session(session.id).state
    assert resumed.liked_items == [HEAT]
    assert resumed.description == "a clever heist"
    assert resumed.conversation_text == "I loved a clever heist"
    assert resumed.fresh_description


def test_item_facts_are_typed(rec: Recommender) -> None:
    facts = rec.item_facts(HEAT)
    assert facts is not None and facts.item_id == HEAT and facts.title.startswith("Heat")
    assert facts.year == 1995 and "Crime" in facts.genres
    assert rec.item_facts(-1) is None
    assert rec.evaluation().facts(HEAT) == facts.model_dump()
    assert rec.evaluation().facts(-1) == {}


def test_a_limit_is_lifted_from_the_profile_one_by_one(rec: Recommender) -> None:
    session = rec.new_session()
    reply = session.respond("I loved Amelie, a French film, nothing over 100 minutes, after 1990")
    state = reply.profile
    assert (state.runtime_max, state.languages, state.year_min) == (100, ["fr"], 1991)
    session.remove_preference("runtime_max", "100")
    session.remove_preference("languages", "fr")
    stored = rec.session(session.id).state  # what the store keeps, as another worker would read it
    assert (stored.runtime_max, stored.languages, stored.year_min) == (None, [], 1991)
    assert stored.liked_items == state.liked_items
    with pytest.raises(InvalidInputError):
        session.remove_preference("description", "x")
