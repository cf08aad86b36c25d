"""The recommender's evaluation interface (``bot.evaluation``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.recommender import Recommender
from bot.state import DialogueState
from retrieval.chats import ChatMentions
from tools.item_table import ItemTable


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


def test_a_replay_withdraws_the_unrated_films_only_its_dialogue_names(
    make_recommender: Callable[..., Recommender], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A film without MovieLens ratings is in the catalogue because real chats named it
    (``scripts/prepare_chat_films.py``); replaying the only dialogue that names it, no source may
    propose it. A rated film, or one another dialogue names too, stays."""
    rec = make_recommender(None)
    evaluation = rec.evaluation()
    state = DialogueState(liked_items=[296])
    proposed = [s.item_id for found in evaluation.gather(state).found.values() for s in found]
    film, rated, shared = proposed[0], 858, next(i for i in proposed if i != proposed[0])
    toolbox = rec.toolbox
    unrated = {film, shared}
    rows = {i: replace(r, popularity=0) if i in unrated else r for i, r in toolbox.items.rows.items()}
    monkeypatch.setattr(toolbox, "items", ItemTable(rows))
    monkeypatch.setattr(
        toolbox,
        "chat_mentions",
        ChatMentions(
            [
                ("d1", film, "recommender"),
                ("d1", rated, "seeker"),
                ("d1", shared, "recommender"),
                ("d2", shared, "seeker"),
            ]
        ),
    )
    assert evaluation.named_only_in("d1") == {film}
    assert evaluation.named_only_in("d2") == frozenset()
    held = [s.item_id for found in evaluation.gather(state, "d1").found.values() for s in found]
    assert film not in held and shared in held
    assert film in [s.item_id for found in evaluation.gather(state, "d2").found.values() for s in found]
