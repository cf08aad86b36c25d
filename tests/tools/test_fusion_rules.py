"""Fusion rules on a hand-made catalogue (no stores): the conversation prior's gate, MMR prefixes,
and graph paths that join one person's two roles."""

from __future__ import annotations

import random

from tests.tools.handmade import ListSource, handmade_table
from tools.base import Evidence
from tools.item_table import ItemTable
from tools.kg_lookup import path_evidence
from tools.profile import PreferenceProfile
from tools.ranking import Ranker, RankerWeights

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
            "nodes": [{"name": "Groundhog Day"}, {"name": "Harold Ramis", "id": "harold ramis"}, {"name": "X"}],
            "relationships": [{"type": to_source}, {"type": to_target}],
        }

    acted = path_evidence(path("DIRECTED", "ACTED_IN"))
    assert acted.kind == "shared_person"
    assert acted.summary == "with Harold Ramis, who directed Groundhog Day"
    directed = path_evidence(path("ACTED_IN", "DIRECTED"))
    assert directed.summary == "directed by Harold Ramis, who is in Groundhog Day"
    assert path_evidence(path("DIRECTED", "DIRECTED")).summary == "directed by Harold Ramis, like Groundhog Day"
    assert path_evidence(path("ACTED_IN", "ACTED_IN")).kind == "shared_cast"
