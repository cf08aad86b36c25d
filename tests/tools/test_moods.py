"""Descriptive wishes: mood, pace, plot and setting words -> genres, left-out genres, keywords."""

from __future__ import annotations

import numpy as np

from tools.item_table import ItemRow, ItemTable
from tools.moods import wish_query, wish_terms
from tools.profile import PreferenceProfile
from tools.sources import VectorSource


def test_feel_good_asks_for_comedy_and_rules_out_horror() -> None:
    terms = wish_terms("something feel-good for tonight")
    assert terms.genres == ("Comedy",)
    assert terms.genres_out == ("Horror",)
    assert "feel good" in terms.keywords


def test_twisty_and_slow_burn_give_their_keywords() -> None:
    twisty = wish_terms("something twisty")
    assert set(twisty.genres) == {"Thriller", "Mystery"}
    assert "twist ending" in twisty.keywords
    assert "suspense" in wish_terms("a slow-burn thriller").keywords


def test_a_negated_mood_leaves_its_genre_out() -> None:
    terms = wish_terms("a tense thriller, but not too gory")
    assert terms.genres_out == ("Horror",)
    assert "Horror" not in terms.genres
    assert "gore" not in terms.keywords
    assert "Thriller" in terms.genres  # "tense", not negated


def test_a_place_after_set_in_is_a_keyword() -> None:
    assert wish_terms("a film set in Tokyo").places == ("tokyo",)
    assert wish_terms("a heist that takes place in New York City").places == ("new york city",)
    assert wish_terms("set in the ocean").places == ()  # lowercase: not a named place


def test_plain_chat_has_no_wish() -> None:
    assert not wish_terms("hi, more please").any
    assert not wish_terms("I loved it").any


def test_the_query_drops_negated_clauses() -> None:
    query = wish_query("a warm comedy about friendship, nothing gory or sad")
    assert "gory" not in query and "sad" not in query
    assert "comedy about friendship" in query
    assert wish_query("a heist film") == "a heist film"
    assert wish_query("not gory") == "not gory"  # nothing would be left: the words as said


class _NoStore:
    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("the keyword list needs no embedding")


def _table() -> ItemTable:
    def row(i: int, year: int, genres: set[str], keywords: set[str], popularity: int) -> ItemRow:
        return ItemRow(
            i, f"Film {i}", year, frozenset(genres), keywords=frozenset(keywords), popularity=popularity
        )

    return ItemTable(
        {
            1: row(1, 2003, {"Drama"}, {"tokyo", "japan"}, 10),
            2: row(2, 1990, {"Drama"}, {"tokyo"}, 50),
            3: row(3, 2010, {"Horror"}, {"tokyo"}, 99),
            4: row(4, 2001, {"Comedy"}, {"paris", "japan"}, 80),
        }
    )


def test_keyword_hits_rank_the_films_carrying_the_asked_keywords() -> None:
    source = VectorSource(_NoStore(), _table())  # type: ignore[arg-type]
    profile = PreferenceProfile(description="something set in Tokyo", keywords_in=["japan"])
    hits = source.keyword_hits(profile, 10, frozenset())
    assert [item_id for item_id, _, _ in hits] == [1, 3, 4, 2]  # both keywords first, then most rated
    assert "'japan'" in hits[0][2].summary and hits[0][2].facts["snippet"].startswith("Film 1")
    bounded = PreferenceProfile(description="set in Tokyo, not too gory", year_min=1995)
    assert [item_id for item_id, _, _ in source.keyword_hits(bounded, 10, frozenset({1}))] == []
    assert source.keyword_hits(PreferenceProfile(description="a heist film"), 10, frozenset()) == []
    # a keyword of one film only is no vocabulary: a reason may not quote it, so it ranks nothing
    assert source.keyword_hits(PreferenceProfile(keywords_in=["paris"]), 10, frozenset()) == []


def test_a_negated_clause_without_a_mood_stays_in_the_query() -> None:
    said = "No, I haven't seen Heat. I want something dark"
    assert wish_query(said) == said
    assert wish_query("Something Funny, not too gory") == "Something Funny,"


def test_keyword_hits_never_rank_by_a_filler_keyword() -> None:
    table = ItemTable({1: ItemRow(1, "Film 1", 1950, frozenset({"Drama"}), keywords=frozenset({"classic"}))})
    source = VectorSource(_NoStore(), table)  # type: ignore[arg-type]
    assert source.keyword_hits(PreferenceProfile(keywords_in=["classic"]), 10, frozenset()) == []
