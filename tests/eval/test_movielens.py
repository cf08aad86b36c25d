"""Held-out MovieLens users: the split, favourites and targets, the scores on a toy example, and a
small end-to-end run over the test catalogue (CF retrained in memory without the held-out users)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from bot.recommender import Recommender
from eval.movielens import RANKERS, evaluate, held_out_user, held_out_users, markdown, score, split_users


def _ratings(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


def test_split_is_seeded_and_a_share_of_users() -> None:
    ratings = _ratings([(u, 1, 4.0, 0) for u in range(1, 101)])
    held = split_users(ratings, 0.1, seed=0)
    assert len(held) == 10 and held <= set(range(1, 101))
    assert split_users(ratings, 0.1, seed=0) == held
    assert split_users(ratings, 0.1, seed=1) != held


def test_favourites_by_rating_then_earlier_and_targets_exclude_them() -> None:
    rows = _ratings(
        [(7, 1, 5.0, 30), (7, 2, 5.0, 10), (7, 3, 4.5, 5), (7, 4, 4.5, 1), (7, 5, 3.0, 0), (7, 6, 5.0, 20)]
    )
    user = held_out_user(7, rows, given=3)
    assert user is not None
    assert user.given == [2, 6, 1]  # the 5.0s, earlier first
    assert user.targets == [4, 3]  # the other ratings >= 4.5, never a given favourite
    assert not set(user.given) & set(user.targets)
    assert held_out_user(7, rows, given=6) is None  # nothing left to find
    assert held_out_user(7, rows.iloc[:2], given=3) is None  # too few ratings


def test_held_out_users_capped_by_a_seeded_sample() -> None:
    ratings = _ratings([(u, i, 5.0, i) for u in range(1, 21) for i in range(1, 6)])
    found = held_out_users(ratings, set(range(1, 21)), given=3, limit=5, seed=0)
    assert len(found) == 5
    assert [u.user_id for u in found] == sorted(u.user_id for u in found)
    assert found == held_out_users(ratings, set(range(1, 21)), given=3, limit=5, seed=0)


def test_scores_on_a_toy_ranking() -> None:
    got = score([1, 2, 3, 4], [2, 9])  # one of two targets, at rank 2
    assert got["recall@10"] == 0.5
    assert got["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert score([5], [6]) == {"recall@10": 0.0, "ndcg@10": 0.0}


@pytest.mark.timeout(600)
def test_end_to_end_without_the_held_out_users(
    make_recommender: Callable[..., Recommender], capsys: pytest.CaptureFixture[str]
) -> None:
    evaluation = make_recommender(None).evaluation()
    ratings = evaluation.ratings()
    held = split_users(ratings, 0.1, seed=0)
    folded = evaluation.without_users(held)
    trained = folded.toolbox.stores.catalogue().ratings
    assert not set(trained["user_id"]) & held  # no held-out user's ratings in training
    cf_users = {int(u) for u in folded.toolbox.cf_view.models.users.ids}
    assert not cf_users & held and cf_users == set(trained["user_id"])
    assert len(trained) == int((~ratings["user_id"].isin(held)).sum())
    assert set(evaluation.toolbox.cf_view.models.users.ids) & held  # the recommender's own CF untouched

    result = evaluate(evaluation, holdout=0.1, seed=0, users=4)
    print(markdown(result))
    assert result["n_users"] == 4 and result["n_held_out"] == len(held)
    assert set(result["by_ranker"]) == set(RANKERS)
    for row in result["by_ranker"].values():
        assert 0.0 <= row["recall@10"] <= 1.0 and 0.0 <= row["ndcg@10"] <= 1.0
    assert "| fused |" in capsys.readouterr().out
