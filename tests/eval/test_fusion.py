"""``parley-eval train-fusion``: the learned fusion against RRF out of fold, with every baseline and
the beyond-accuracy figures ranked from the same gathered lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.recommender import Recommender
from eval.beyond import BeyondAccuracy
from eval.fusion import baselines, markdown, score_cases
from eval.replay import K, RankerTable, rank_cases
from eval.tune import gather_cases

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"


def test_the_fusions_and_every_baseline_are_scored_from_the_same_lists(
    make_recommender: Callable[..., Recommender],
) -> None:
    rec = make_recommender(None)
    evaluation = rec.evaluation()
    items, _ = gather_cases(rec, ["redial"], DATA, 8, None)
    names = ["rrf", *baselines(evaluation)]
    assert {"item_knn", "most_rated", "kg", "vector"} <= set(names)
    tables = {"redial": RankerTable(names)}
    beyond = {"redial": BeyondAccuracy.of(evaluation)}
    score_cases(evaluation, items, {"rrf": None}, tables, beyond)
    table = tables["redial"].by_ranker([item.case for item in items])

    # each row is what the replay's table gives for the same cases and lists
    replayed = rank_cases(evaluation, items, [*baselines(evaluation), "fused"])
    for name in baselines(evaluation):
        assert table[name] == replayed[name], name
    assert table["rrf"] == replayed["fused"]  # the recommender's own fusion is RRF here

    figures = beyond["redial"].by_ranker()
    assert set(figures) == set(names)
    # exactly what the beyond-accuracy tracker gives for the replay's whole ranked lists
    expected = BeyondAccuracy.of(evaluation)
    for item in items:
        known = bool(item.state.liked_items)
        for name in names:
            if name == "rrf":  # the whole fused ranker under RRF
                recs = evaluation.fuse(item.state, item.gathered, K, "fused", explain=False, fusion=None)
            else:
                recs = evaluation.fuse(item.state, item.gathered, K, name)
            expected.add(name, [r.item_id for r in recs], known)
    assert figures == expected.by_ranker()
    for name in names:  # lists long enough to tell one cut short apart
        assert any(len(ranked) > 1 for ranked, _ in expected.lists[name]), name
    assert any(known for _, known in expected.lists["rrf"])  # taste known in some cases
    assert not all(known for _, known in expected.lists["rrf"])  # and not in others
    for name in names:
        assert 0 < figures[name]["n_cases"] <= len(items)
        assert 0.0 < figures[name]["catalogue_coverage"] <= 1.0
    # the ratings count alone recommends the most rated films, the vector source far less so
    assert figures["most_rated"]["popularity_percentile"] > figures["vector"]["popularity_percentile"]
    assert figures["most_rated"]["long_tail_share"] < figures["vector"]["long_tail_share"]

    report = markdown(
        {
            "folds": 3,
            "n_cases": len(items),
            "corpus": "redial",
            "model": None,
            "out_of_fold": {"redial": table},
        }
        | {"beyond_accuracy": {"redial": figures}}
    )
    assert "| redial | item_knn |" in report and "| redial | most_rated |" in report
    assert "Beyond accuracy" in report
