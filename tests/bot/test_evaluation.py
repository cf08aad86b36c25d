"""The recommender's evaluation interface (``bot.evaluation``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.recommender import Recommender


@pytest.fixture
def rec(make_recommender: Callable[..., Recommender]) -> Recommender:
    return make_recommender(None)


def test_rank_all_gives_the_same_items_as_rank(rec: Recommender) -> None:
    state = rec.new_session().respond("I loved Heat and Alien, no comedies").profile
    evaluation = rec.evaluation()
    together = evaluation.rank_all(state, k=10)
    assert set(together) == set(evaluation.RANKERS)
    for name in evaluation.RANKERS:
        assert [r.item_id for r in together[name]] == [
            r.item_id for r in evaluation.rank(state, k=10, ranker=name)
        ]


def test_popularity_counts_ratings_and_the_item_knn_baseline(rec: Recommender) -> None:
    from bot.sanitise import InvalidInputError
    from bot.state import DialogueState

    evaluation = rec.evaluation()
    counts = evaluation.popularity_counts()
    assert set(counts) == set(evaluation.catalogue_ids())
    ratings = evaluation.ratings()
    assert counts[6] == int((ratings["item_id"] == 6).sum()) == evaluation.facts(6)["popularity"] > 0
    assert all(n > 0 for n in evaluation.chat_mention_counts().values())
    state = DialogueState(liked_items=[6])
    knn = [r.item_id for r in evaluation.rank(state, k=10, ranker="item_knn")]
    assert knn and 6 not in knn
    gathered = evaluation.gather(state)
    assert [r.item_id for r in evaluation.fuse(state, gathered, 10, "item_knn")] == knn
    with pytest.raises(InvalidInputError, match="item_knn"):
        evaluation.rank(state, ranker="nope")
