"""Hard constraints from words (``bot.constraints``): runtime, recency, family viewing, language;
titles are never read as constraints, and a later statement replaces or lifts an earlier one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.constraints import LONG, NOT_TOO_LONG, OLD_UNTIL, SHORT, language_spans, languages, runtime_bounds
from bot.extract import Extraction, extract
from bot.mentions import link_message
from bot.recommender import Recommender
from bot.replies import runtime_words
from bot.state import DialogueState
from bot.state_update import apply_extraction
from retrieval.catalogue_types import Catalogue
from tools.linking import EntityIndex, index_from_catalogue

HEAT, LONG_GOODBYE, SHORT_CIRCUIT, CASABLANCA, INCEPTION, OLD_BOY = 6, 2511, 4545, 912, 79132, 27773


@pytest.fixture(scope="module")
def index(bundled_catalogue: Catalogue) -> EntityIndex:
    return index_from_catalogue(bundled_catalogue)


def said(index: EntityIndex, text: str) -> Extraction:
    return extract(link_message(text, index), latest_year=2018)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("not too long", None, NOT_TOO_LONG),
        ("nothing too long please", None, NOT_TOO_LONG),
        ("something short", None, SHORT),
        ("something quick", None, SHORT),
        ("under two hours", None, 120),
        ("under 90 minutes", None, 90),
        ("less than 2 hours", None, 120),
        ("no more than an hour and a half", None, 90),
        ("two and a half hours at most", None, 150),
        ("no films over two hours", None, 120),
        ("nothing under 90 minutes", 90, None),
        ("at most two and a half hours", None, 150),
        ("90 min or less", None, 90),
        ("1.5 hours max", None, 90),
        ("nothing over 100 minutes", None, 100),
        ("a long epic", LONG, None),
        ("over 3 hours", 180, None),
        ("at least two hours", 120, None),
        ("I waited a long time for this", None, None),
        ("it came out not long ago", None, None),
        ("a quick question", None, None),
        ("I have 2 cats", None, None),
    ],
)
def test_runtime_phrases(text: str, low: int | None, high: int | None) -> None:
    assert runtime_bounds(text) == (low, high, False)


def test_any_length_lifts_the_bound() -> None:
    assert runtime_bounds("any length is fine")[2]
    assert runtime_bounds("length doesn't matter")[2]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("in French", ["fr"]),
        ("a French film", ["fr"]),
        ("a Korean film", ["ko"]),
        ("something Japanese", ["ja"]),
        ("French or Italian movies", ["fr", "it"]),
        ("nothing French please", []),
        ("I like french fries", []),
    ],
)
def test_language_phrases(text: str, codes: list[str]) -> None:
    assert languages(text) == (codes, False)


def test_a_title_is_no_language() -> None:
    assert language_spans("The French Connection", [(0, 21)]) == []


def test_title_words_are_no_constraints(index: EntityIndex) -> None:
    found = said(index, "I loved The Long Goodbye and Short Circuit")
    assert {LONG_GOODBYE, SHORT_CIRCUIT} <= set(found.liked_items)
    assert (found.runtime_min, found.runtime_max) == (None, None)
    found = said(index, "Old Boy was amazing")
    assert OLD_BOY in found.liked_items and found.year_max is None
    assert said(index, "The French Connection is great").languages == []


def test_not_too_long_with_a_favourite(index: EntityIndex) -> None:
    found = said(index, "I want a tense crime thriller like Heat, but not too long")
    assert HEAT in found.liked_items
    assert found.runtime_max == NOT_TOO_LONG and found.runtime_min is None


def test_recent_counts_back_from_the_catalogue(index: EntityIndex) -> None:
    found = said(index, "something recent like Inception")
    assert INCEPTION in found.liked_items
    assert (found.year_min, found.year_max) == (2013, None)
    assert extract(link_message("something recent", index), latest_year=2030).year_min == 2025


def test_an_old_classic(index: EntityIndex) -> None:
    found = said(index, "an old classic like Casablanca")
    assert CASABLANCA in found.liked_items
    assert (found.year_min, found.year_max) == (None, OLD_UNTIL)


def test_an_explicit_year_wins_over_recent(index: EntityIndex) -> None:
    found = said(index, "recent films, after 2015")
    assert found.year_min == 2016


def test_a_language_is_not_a_surname(index: EntityIndex) -> None:
    found = said(index, "a French film")
    assert found.languages == ["fr"]
    assert found.liked_people == [] and found.ambiguous == []


def test_korean_like_old_boy(index: EntityIndex) -> None:
    found = said(index, "a Korean film like Old Boy")
    assert found.languages == ["ko"] and OLD_BOY in found.liked_items


def test_for_the_kids_not_animated(index: EntityIndex) -> None:
    found = said(index, "something for the kids, not animated")
    assert "Children" in found.genres_in
    assert {"Animation", "Horror"} <= set(found.genres_out)


def test_later_statements_replace_and_lift(index: EntityIndex) -> None:
    state = apply_extraction(DialogueState(), said(index, "I loved Heat, a long epic please, in French"))
    assert (state.runtime_min, state.runtime_max, state.languages) == (LONG, None, ["fr"])
    state = apply_extraction(state, said(index, "actually under 90 minutes, something Japanese"))
    assert (state.runtime_min, state.runtime_max, state.languages) == (None, 90, ["ja"])
    state = apply_extraction(state, said(index, "any length is fine, any language"))
    assert (state.runtime_min, state.runtime_max, state.languages) == (None, None, [])
    assert HEAT in state.liked_items


def test_runtime_in_words() -> None:
    assert runtime_words(None, 120).startswith("at most 2 hours long")
    assert "only kept ones I know" in runtime_words(None, 90)
    assert runtime_words(180, None).startswith("at least 3 hours")


GOODFELLAS = 1213  # 145 minutes in the bundled catalogue


def test_not_too_long_end_to_end(make_recommender: Callable[..., Recommender]) -> None:
    rec = make_recommender(None)
    items = rec.toolbox.items
    assert (items.rows[GOODFELLAS].runtime or 0) > NOT_TOO_LONG
    plain = rec.new_session().respond("I want a tense crime thriller like Heat")
    session = rec.new_session()
    reply = session.respond("I want a tense crime thriller like Heat, but not too long")
    assert reply.profile.runtime_max == NOT_TOO_LONG
    assert reply.recommendations
    for r in reply.recommendations:
        runtime = items.rows[r.item_id].runtime
        assert runtime is not None and runtime <= NOT_TOO_LONG, (r.title, runtime)
    assert GOODFELLAS not in {r.item_id for r in reply.recommendations}
    assert "only kept ones I know are at most 2 hours" in reply.text
    # without the constraint the list has films that are longer, or whose length is unknown
    assert any((items.rows[r.item_id].runtime or 999) > NOT_TOO_LONG for r in plain.recommendations)
    lifted = session.respond("actually any length is fine")
    assert lifted.profile.runtime_max is None
    assert "only kept ones I know" not in lifted.text


def test_language_end_to_end(make_recommender: Callable[..., Recommender]) -> None:
    rec = make_recommender(None)
    reply = rec.new_session().respond("I loved Spirited Away, something else in Japanese")
    assert reply.profile.languages == ["ja"]
    assert reply.recommendations
    for r in reply.recommendations:
        row = rec.toolbox.items.rows[r.item_id]
        assert row.language == "ja" or (not row.language and "Japan" in row.countries), r.title
    assert "in Japanese" in reply.text
