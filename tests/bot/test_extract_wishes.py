"""Descriptive wishes in extraction and the state update: mood words are a wish of their own."""

from __future__ import annotations

from bot.extract import Extraction, _wishes
from bot.state import FRESH_WISH_WEIGHT, WISH_ONLY_WEIGHT, DialogueState
from bot.state_update import descriptive


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

    assert (
        DialogueState(description="twisty", fresh_description=True).to_profile().description_weight
        == WISH_ONLY_WEIGHT
    )
    liked = DialogueState(description="twisty", fresh_description=True, liked_items=[6])
    assert liked.to_profile().description_weight == FRESH_WISH_WEIGHT < WISH_ONLY_WEIGHT
    assert DialogueState(description="twisty").to_profile().description_weight == 1.0
