"""A liked film beyond the catalogue (``tools.linking.extended``): understood in the turn, its genres
in the profile (weakly), named in the reply's "Noted: ..." and in the profile panel (removable, its genres
with it), and never recommended."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest

from bot.extract import extract
from bot.mentions import link_message
from bot.recommender import Recommender
from bot.ui.render import profile_entries, profile_html
from bot.ui.sessions import SessionPool
from tools.linking import ExtendedTitles
from tools.profile import PreferenceProfile

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
BARBIE_2023 = 288513
HEAT = 6


@pytest.fixture(scope="module")
def extended() -> ExtendedTitles:
    return ExtendedTitles.load(DATA_DIR)


@pytest.fixture
def recommender(
    make_recommender: Callable[..., Recommender], extended: ExtendedTitles, monkeypatch: pytest.MonkeyPatch
) -> Recommender:
    rec = make_recommender(None, max_questions=0)
    ready: Future[ExtendedTitles] = Future()
    ready.set_result(extended)  # the test stores' data_dir has no file; the shipped one in data/
    monkeypatch.setattr(rec.toolbox, "_extended", ready)
    return rec


def test_a_liked_extended_film_puts_its_genres_in_the_profile(recommender: Recommender) -> None:
    reply = recommender.new_session().respond("I loved Barbie (2023)")
    assert reply.profile.liked_outside == [BARBIE_2023]
    assert reply.profile.outside_genres == ["Comedy"]
    assert reply.profile.liked_items == [] and reply.profile.genres_in == []  # no catalogue item, no filter
    assert "Noted: you like Barbie (2023) (not in my catalogue: I used its genres)" in reply.text
    assert reply.recommendations and BARBIE_2023 not in {r.item_id for r in reply.recommendations}


def test_a_catalogue_title_wins_and_a_disliked_extended_film_adds_nothing(
    recommender: Recommender, extended: ExtendedTitles
) -> None:
    index = recommender.toolbox.index
    heat = extract(link_message("I loved Heat", index, extended))
    assert heat.liked_items == [HEAT] and heat.liked_outside == [] and heat.outside_genres == []
    hated = extract(link_message("I did not like Barbie (2023)", index, extended))
    assert hated.liked_outside == [] and hated.outside_genres == []


def test_the_genres_of_an_extended_film_lift_the_items_of_those_genres(recommender: Recommender) -> None:
    ranker, items = recommender.toolbox.ranker, recommender.toolbox.items

    def horror_share(profile: PreferenceProfile) -> int:
        top = ranker.rank(profile, k=20, diversify=False).items
        return sum(1 for r in top if (row := items.get(r.item_id)) and "Horror" in row.genres)

    liked = PreferenceProfile(liked_outside=[176801], outside_genres=["Horror"])  # Suspiria (2017)
    assert horror_share(liked) > horror_share(PreferenceProfile(liked_outside=[176801]))


def test_the_fusion_boost_alone_lifts_those_genres(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weak genre term of the fusion on its own: with the vector source (which also reads these
    genres) switched off, a zero ``outside_genre`` weight lifts fewer horror films than the default."""
    ranker, items = recommender.toolbox.ranker, recommender.toolbox.items
    profile = PreferenceProfile(liked_outside=[176801], outside_genres=["Horror"])  # Suspiria (2017)

    def horror_share(outside_genre: float) -> int:
        weights = ranker.weights.model_copy(update={"outside_genre": outside_genre, "vector": 0.0})
        monkeypatch.setattr(ranker, "weights", weights)
        top = ranker.rank(profile, k=20, diversify=False).items
        return sum(1 for r in top if (row := items.get(r.item_id)) and "Horror" in row.genres)

    assert horror_share(ranker.weights.outside_genre) > horror_share(0.0)


def test_the_profile_panel_lists_a_liked_extended_film_and_removing_it_takes_its_genres(
    recommender: Recommender,
) -> None:
    session = recommender.new_session()
    session.respond("I loved Heat and Barbie (2023)")
    pool = SessionPool(recommender)
    entries = profile_entries(session.state, pool.title_of, pool.outside_title_of)
    assert ("liked_items", str(HEAT), "Liked: Heat (1995)") in entries
    assert ("liked_outside", str(BARBIE_2023), "Liked (not in my catalogue): Barbie (2023)") in entries
    assert "Liked (not in my catalogue): Barbie (2023)" in profile_html(entries).split("You'd rather not")[0]
    updated = session.remove_preference("liked_outside", BARBIE_2023)
    assert updated.liked_outside == [] and updated.outside_genres == []
    assert updated.liked_items == [HEAT]
    assert recommender.session(session.id).state.outside_genres == []  # stored
