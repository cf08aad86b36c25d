"""CF fold-in of a session user: likes pull similar items up, dislikes push neighbours down."""

from __future__ import annotations

import statistics

import pytest

from tests.fixtures.catalogue import CRIME_THRILLERS, MUSICALS
from tests.fixtures.tools import ToolSet
from tools.profile import PreferenceProfile

LIKED = (296, 1089, 50)  # Pulp Fiction, Reservoir Dogs, The Usual Suspects
CRIME = set(CRIME_THRILLERS) - set(LIKED) - {1247}


@pytest.mark.parametrize("method", ["knn", "svd"])
def test_liking_crime_thrillers_ranks_crime_above_musicals(toolset: ToolSet, method: str) -> None:
    profile = PreferenceProfile(liked_items=LIKED)
    scored, fallback = toolset.cf_score.score(profile, method, 1000)
    assert not fallback
    rank = {s.item_id: r for r, s in enumerate(scored)}
    worst = len(scored)
    crime = statistics.mean(rank.get(i, worst) for i in CRIME)
    musical = statistics.mean(rank.get(i, worst) for i in MUSICALS)
    assert crime < musical


@pytest.mark.parametrize("method", ["knn", "svd"])
def test_disliking_moves_neighbours_down(toolset: ToolSet, method: str) -> None:
    view = toolset.cf_view
    disliked = 1035  # The Sound of Music
    inner = view.inner(disliked)
    assert inner is not None
    neighbours = [int(view.item_ids[j]) for j, _ in view.similar_items(inner, 5)]
    base = PreferenceProfile(liked_items=(1, 260))
    with_dislike = PreferenceProfile(liked_items=(1, 260), disliked_items=(disliked,))
    before = {s.item_id: s.score for s in toolset.cf_score.score(base, method, 1000)[0]}
    after_list = toolset.cf_score.score(with_dislike, method, 1000)[0]
    after = {s.item_id: s.score for s in after_list}
    rank_before = {i: r for r, i in enumerate(sorted(before, key=lambda i: -before[i]))}
    rank_after = {s.item_id: r for r, s in enumerate(after_list)}
    worst = len(after_list)
    moved = [rank_after.get(i, worst) - rank_before.get(i, worst) for i in neighbours if i in before]
    assert moved
    assert statistics.mean(moved) > 0
    assert disliked not in after
