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
