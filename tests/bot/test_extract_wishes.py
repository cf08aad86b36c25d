"""Descriptive wishes in extraction and the state update: mood words are a wish of their own."""

from __future__ import annotations

import pytest

from bot.extract import Extraction, _wishes
from bot.settings import Settings
from bot.state import DialogueState
from bot.state_update import descriptive
from tests.tools.handmade import ListSource, handmade_table
from tools.ranking import Ranker, RankerWeights


def test_a_mood_word_is_a_wish() -> None:
    assert descriptive("something twisty")
    assert descriptive("set in Tokyo")
    assert descriptive("a dark psychological thriller with a twist")
    assert not descriptive("more please")
    assert not descriptive("hi there")


def test_mood_genres_and_keywords_join_the_extraction() -> None:
    found = Extraction(description="something feel-good")
    _wishes(found)
    assert found.genres_in == ["Comedy"]
    assert found.genres_out == ["Horror"]
    assert "feel good" in found.keywords_in


def test_a_named_genre_decides_over_a_negated_mood() -> None:
    found = Extraction(description="a horror film but not too gory", genres_in=["Horror"])
    _wishes(found)
    assert found.genres_in == ["Horror"] and found.genres_out == []
    plain = Extraction(description="a thriller, not too gory", genres_in=["Thriller"])
    _wishes(plain)
    assert plain.genres_out == ["Horror"] and plain.genres_in == ["Thriller"]


def test_a_wish_with_nothing_liked_leads_the_ranking_most() -> None:
    weights = RankerWeights()
    wish = DialogueState(description="twisty", fresh_description=True).to_profile()
    assert weights.description_weight(wish) == weights.wish_only == 10.0
    liked = DialogueState(description="twisty", fresh_description=True, liked_items=[6]).to_profile()
    assert weights.description_weight(liked) == weights.fresh_wish == 3.0
    person = DialogueState(description="twisty", fresh_description=True, liked_people=["Nolan"]).to_profile()
    assert weights.description_weight(person) == weights.fresh_wish
    assert weights.description_weight(DialogueState(description="twisty").to_profile()) == 1.0


def test_the_wish_weights_are_the_settings_the_ranker_ranks_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph proposes 30-32, the vector source (the wish in words) 60-62; kg weighs 3, vector
    0.5: the vector's first item leads only when the wish multiplies its weight by more than 6."""
    items = handmade_table(80, seed=7, genres=("Comedy", "Drama", "Horror"), first_year=1980, years=40)
    sources = [ListSource("kg", [30, 31, 32]), ListSource("vector", [60, 61, 62])]
    wish = DialogueState(description="something twisty", fresh_description=True)
    liked = DialogueState(description="something twisty", fresh_description=True, liked_items=[1])

    def top(state: DialogueState, env: str = "{}") -> list[int]:
        monkeypatch.setenv("PARLEY_RANKER_WEIGHTS", env)
        ranker = Ranker(items, sources, Settings().ranker_weights)
        return [r.item_id for r in ranker.rank(state.to_profile(), k=3, diversify=False).items]

    assert top(wish)[0] == 60  # wish_only 10: the wish is all the ranker knows
    assert top(wish, '{"wish_only": 1.0}') == [30, 31, 32]
    assert top(liked) == [30, 31, 32]  # fresh_wish 3: a liked film shares the lead
    assert top(liked, '{"fresh_wish": 10.0}')[0] == 60
    assert top(DialogueState(description="something twisty"), '{"wish_only": 10.0}') == [30, 31, 32]
