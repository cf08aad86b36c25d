"""Fusion rules on a hand-made catalogue (no stores): the conversation prior's gate, MMR prefixes,
and graph paths that join one person's two roles."""

from __future__ import annotations

import random
from dataclasses import replace

from tests.tools.handmade import ListSource, handmade_table
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.kg_lookup import path_evidence
from tools.profile import PreferenceProfile
from tools.ranking import Candidates, LearnedFusion, Ranker, RankerWeights

GENRES = ("Action", "Comedy", "Crime", "Drama", "Horror", "Sci-Fi")


def _table(n: int = 120) -> ItemTable:
    return handmade_table(n, seed=7, genres=GENRES, first_year=1980, years=40)


def _evidence(source: str) -> Evidence:
    return Evidence(source="popularity" if source == "chat" else "cf", kind=source, summary=source, facts={})


def test_conversation_prior_counts_in_full_only_for_items_that_fit_the_taste() -> None:
    items = _table()
    chat = ListSource("chat", [50, 60, 70], _evidence)  # popular in chats
    knn = ListSource("cf_knn", [60, 10, 20], _evidence)  # fits what the person liked; 60 is in both
    ranker = Ranker(items, [chat, knn], RankerWeights(chat=2.0, cf_knn=1.0, chat_alone=0.0))
    liked = PreferenceProfile(liked_items=(1,))
    top = [r.item_id for r in ranker.rank(liked, k=3, diversify=False).items]
    assert top[0] == 60  # both sources
    assert 50 not in top and 70 not in top  # chat-only items lose the prior for a known taste
    # nothing known about the person: the prior counts in full
    cold = [r.item_id for r in ranker.rank(PreferenceProfile(), k=2, diversify=False).items]
    assert cold == [60, 50]
    # chat_alone=1: the gate is off and the prior's first item wins again
    open_gate = Ranker(items, [chat, knn], RankerWeights(chat=2.0, cf_knn=1.0, chat_alone=1.0))
    assert [r.item_id for r in open_gate.rank(liked, k=2, diversify=False).items] == [60, 50]


def test_mmr_top_ten_is_the_start_of_the_top_fifty() -> None:
    items = _table()
    order = list(range(1, 121))
    rng = random.Random(3)
    rng.shuffle(order)
    ranker = Ranker(items, [ListSource("cf_knn", order, _evidence)], RankerWeights(mmr_lambda=0.7))
    profile = PreferenceProfile(liked_items=(order[-1],))
    top10 = [r.item_id for r in ranker.rank(profile, k=10).items]
    top50 = [r.item_id for r in ranker.rank(profile, k=50).items]
    assert len(set(top10)) == 10
    assert top50[:10] == top10


def test_path_through_one_person_in_two_roles_says_which_role() -> None:
    def path(to_source: str, to_target: str) -> dict[str, object]:
        return {
            "nodes": [
                {"name": "Groundhog Day"},
                {"name": "Harold Ramis", "id": "harold ramis"},
                {"name": "X"},
            ],
            "relationships": [{"type": to_source}, {"type": to_target}],
        }

    acted = path_evidence(path("DIRECTED", "ACTED_IN"))
    assert acted.kind == "shared_person"
    assert acted.summary == "with Harold Ramis, who directed Groundhog Day"
    directed = path_evidence(path("ACTED_IN", "DIRECTED"))
    assert directed.summary == "directed by Harold Ramis, who is in Groundhog Day"
    assert (
        path_evidence(path("DIRECTED", "DIRECTED")).summary == "directed by Harold Ramis, like Groundhog Day"
    )
    assert path_evidence(path("ACTED_IN", "ACTED_IN")).kind == "shared_cast"


def _taste_sources() -> list[ListSource]:
    return [
        ListSource("kg", [30, 31, 32, 33], _evidence),  # shared people and keywords
        ListSource("chat_similar", [40, 41, 42, 43], _evidence),  # what chats like this one recommended
        ListSource("cf_knn", [50, 51, 52, 53], _evidence),  # item-KNN over the liked films
    ]


def test_cf_weight_grows_with_the_liked_films_it_knows() -> None:
    """Five rated favourites (a rating history): item-KNN's first items lead, as item-KNN alone
    ranks them; one named film (a chat): the graph source leads as before."""
    items = _table()
    ranker = Ranker(items, _taste_sources(), RankerWeights(kg=3.0, chat_similar=2.0, cf_knn=1.0))
    five = PreferenceProfile(liked_items=(1, 2, 3, 4, 5))
    assert [r.item_id for r in ranker.rank(five, k=3, diversify=False).items] == [50, 51, 52]
    one = PreferenceProfile(liked_items=(1,))
    assert [r.item_id for r in ranker.rank(one, k=3, diversify=False).items] == [30, 31, 32]
    # without the growth, the five favourites get what the graph and the chats propose
    flat = Ranker(
        items, _taste_sources(), RankerWeights(kg=3.0, chat_similar=2.0, cf_knn=1.0, cf_per_liked=0.0)
    )
    assert [r.item_id for r in flat.rank(five, k=3, diversify=False).items] == [30, 31, 32]
    # liked films nobody rated are unknown to the CF models: no growth
    unrated = ItemTable({i: row if i > 5 else replace(row, popularity=0) for i, row in items.rows.items()})
    cold = Ranker(unrated, _taste_sources(), RankerWeights(kg=3.0, chat_similar=2.0, cf_knn=1.0))
    assert [r.item_id for r in cold.rank(five, k=3, diversify=False).items] == [30, 31, 32]


class _ChatFavourites(LearnedFusion):
    """A learned fusion that ranks the chat source's items first (as the shipped model, trained on
    chat replays, leans to them)."""

    def __init__(self) -> None:
        super().__init__(booster=None)

    def rescore(
        self, items: ItemTable, profile: PreferenceProfile, candidates: Candidates
    ) -> dict[int, float]:
        return {
            i: (1.0 if "chat_similar" in by else 0.0) - candidates.ranks[i].get("chat_similar", 0) * 1e-3
            for i, by in candidates.ranks.items()
        }


def test_learned_fusion_ranks_only_within_the_rated_liked_films_it_learned_from() -> None:
    items = _table()
    weights = RankerWeights(kg=3.0, chat_similar=2.0, cf_knn=1.0, learned_max_rated=4)
    ranker = Ranker(items, _taste_sources(), weights, fusion=_ChatFavourites())
    four = PreferenceProfile(liked_items=(1, 2, 3, 4))
    assert [r.item_id for r in ranker.rank(four, k=2, diversify=False).items] == [40, 41]  # the model
    five = PreferenceProfile(liked_items=(1, 2, 3, 4, 5))
    assert [r.item_id for r in ranker.rank(five, k=3, diversify=False).items] == [50, 51, 52]  # RRF


def test_under_the_learned_fusion_a_person_asked_for_comes_first() -> None:
    """ "anything by X": the model (here one that favours what chats recommend) ranks X's films
    first, as RRF's person weight does; without a person asked for, the model's order stands."""
    base = _table()
    by_person = {52, 31}  # one a cf_knn, one a kg candidate: the model ranks both last
    items = ItemTable(
        {
            i: replace(row, directors=frozenset({"Ann X"})) if i in by_person else row
            for i, row in base.rows.items()
        }
    )
    ranker = Ranker(items, _taste_sources(), RankerWeights(kg=3.0, chat_similar=2.0, cf_knn=1.0))
    learned = ranker.with_fusion(_ChatFavourites())
    asked = PreferenceProfile(liked_people=("Ann X",))
    assert [r.item_id for r in learned.rank(asked, k=3, diversify=False).items][:2] in ([31, 52], [52, 31])
    assert [r.item_id for r in learned.rank(PreferenceProfile(), k=2, diversify=False).items] == [40, 41]
