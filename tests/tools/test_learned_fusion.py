"""The learned fusion on a hand-made catalogue (no stores): its features, a model trained on
synthetic queries, and the ranker under it (hard constraints first, reasons from the proposing
sources, RRF without a model file)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.tools.handmade import ListSource, handmade_table
from tools.item_table import ItemTable
from tools.profile import PreferenceProfile
from tools.ranking import FEATURES, Candidates, LearnedFusion, Ranker, RankerWeights, train_fusion
from tools.ranking.features import feature_matrix
from tools.ranking.learned import FILE_NAME

GENRES = ("Action", "Comedy", "Crime", "Drama")


def _table(n: int = 80) -> ItemTable:
    return handmade_table(n, seed=5, genres=GENRES, first_year=1970, years=50)


def _column(name: str) -> int:
    return FEATURES.index(name)


def test_features_mark_what_a_source_did_not_propose() -> None:
    items = _table()
    candidates = Candidates(
        ranks={3: {"kg": 1}, 4: {"kg": 2, "chat": 1}},
        scores={3: {"kg": 2.0}, 4: {"kg": 1.0, "chat": 5.0}},
        rrf={3: 0.5, 4: 0.4},
    )
    rows = feature_matrix(items, PreferenceProfile(liked_items=(1,)), candidates, [3, 4])
    assert rows.shape == (2, len(FEATURES))
    assert rows[0, _column("rank_kg")] == 1 and rows[1, _column("rel_kg")] == 0.5
    assert math.isnan(rows[0, _column("rank_chat")]) and rows[1, _column("rank_chat")] == 1
    assert rows[1, _column("n_sources")] == 2 and rows[0, _column("rrf_rank")] == 1
    assert rows[0, _column("log_popularity")] == pytest.approx(math.log1p(3))


def _model(items: ItemTable) -> LearnedFusion:
    """A model taught that what the "cf_knn" source proposes is right, whatever RRF says."""
    rng = random.Random(1)
    queries = []
    for _ in range(60):
        ids = rng.sample(sorted(items.rows), 30)
        knn = set(ids[20:])
        candidates = Candidates(
            ranks={i: ({"cf_knn": n + 1} if i in knn else {"kg": n + 1}) for n, i in enumerate(ids)},
            scores={i: {"cf_knn" if i in knn else "kg": 1.0} for i in ids},
            rrf={i: 1.0 / (1 + n) for n, i in enumerate(ids)},
        )
        rows = feature_matrix(items, PreferenceProfile(liked_items=(1,)), candidates, ids)
        queries.append((rows, np.array([1.0 if i in knn else 0.0 for i in ids])))
    params = {"objective": "binary", "min_data_in_leaf": 5, "num_threads": 1, "verbose": -1}
    return train_fusion(queries, params, rounds=20)


def test_the_model_reorders_and_the_hard_constraints_still_hold(tmp_path: Path) -> None:
    items = _table()
    kg = ListSource("kg", [10, 11, 12, 13, 14])
    knn = ListSource("cf_knn", [40, 41, 42])
    profile = PreferenceProfile(liked_items=(1,), rejected=(41,))
    rrf = Ranker(items, [kg, knn], RankerWeights(kg=3.0, cf_knn=0.5))
    assert [r.item_id for r in rrf.rank(profile, k=3, diversify=False).items] == [10, 11, 12]
    learned = rrf.with_fusion(_model(items))
    top = learned.rank(profile, k=3, diversify=False).items
    assert {r.item_id for r in top[:2]} == {40, 42}  # what cf_knn proposed, 41 rejected
    assert 41 not in [r.item_id for r in learned.rank(profile, k=8, diversify=False).items]
    # nothing liked yet (nothing known, a disliked film, words from an earlier turn): the model ranks
    cold_starts = (
        PreferenceProfile(),
        PreferenceProfile(disliked_items=(2,)),
        PreferenceProfile(description="a slow film"),
    )
    for cold in cold_starts:
        assert {r.item_id for r in learned.rank(cold, k=3, diversify=False).items} == {40, 41, 42}
    for r in top:  # reasons only from the sources that proposed the item
        assert {e.kind for e in r.evidence} == set(r.source_ranks)
    # saved and loaded, the same order; no file, or a model over other features: RRF
    learned.fusion.save(tmp_path)  # type: ignore[union-attr]
    loaded = LearnedFusion.load(tmp_path)
    assert loaded is not None
    assert [r.item_id for r in rrf.with_fusion(loaded).rank(profile, k=3, diversify=False).items] == [
        r.item_id for r in top
    ]
    assert LearnedFusion.load(tmp_path / "none") is None
    text = (tmp_path / FILE_NAME).read_text(encoding="utf-8")
    (tmp_path / FILE_NAME).write_text(text.replace("rank_kg", "rank_other"), encoding="utf-8")
    assert LearnedFusion.load(tmp_path) is None


def test_a_described_wish_leads_under_the_model() -> None:
    """A fresh description: the vector source's best ``wish_lead`` first, then the model's order;
    a person asked for before them; ``learned_on_wish`` off: RRF ranks the turn."""
    table = _table()
    directed = replace(table.rows[10], directors=frozenset({"person:bigelow"}))
    items = ItemTable({**table.rows, 10: directed})
    sources = [ListSource("kg", [10, 11, 12, 13, 14]), ListSource("cf_knn", [40, 41, 42])]
    sources.append(ListSource("vector", [13, 14, 11, 12, 10]))  # what the wish's words match
    ranker = Ranker(items, sources).with_fusion(_model(items))

    def top(profile: PreferenceProfile, weights: str = "{}", k: int = 4) -> list[int]:
        under = RankerWeights.model_validate_json(weights).model_copy(update={"kg": 3.0, "cf_knn": 0.5})
        return [r.item_id for r in ranker.with_weights(under).rank(profile, k=k, diversify=False).items]

    words_only = PreferenceProfile(description="a slow film set in Tokyo", fresh_description=True)
    liked = PreferenceProfile(liked_items=(1,), description="a slow film", fresh_description=True)
    for wish, lead in ((words_only, "wish_lead_alone"), (liked, "wish_lead")):
        led = top(wish, f'{{"{lead}": 2}}')
        assert set(led[:2]) == {13, 14} and set(led[2:]) <= {40, 41, 42}
        assert set(top(wish, f'{{"{lead}": 0}}', k=3)) == {40, 41, 42}  # the model alone
        by_rrf = top(wish, '{"learned_on_wish": false}', k=3)  # RRF, the vector weight grown
        assert 13 in by_rrf and set(by_rrf) <= {10, 11, 12, 13, 14}  # not the model's cf_knn
    # the defaults: three lead beside a liked film, five (all that is shown) when the words are all
    assert set(top(liked)[:3]) == {13, 14, 11} and top(liked)[3] in {40, 41, 42}
    assert set(top(words_only, k=5)) == {10, 11, 12, 13, 14}
    # words from an earlier turn lead nothing
    assert set(top(PreferenceProfile(description="a slow film"), k=3)) == {40, 41, 42}
    # a person asked for comes before the wish
    asked = PreferenceProfile(
        liked_people=("person:bigelow",), description="a slow film", fresh_description=True
    )
    first = top(asked, '{"wish_lead": 2}')  # a person is known: wish_lead
    assert first[0] == 10 and set(first[1:3]) == {13, 14}


def test_scores_are_log_odds_so_the_tail_keeps_its_order() -> None:
    """A binary model's probabilities squeeze every unlikely candidate to about 0, and MMR then picks
    them for diversity alone (ReDial dedup R@50 0.344, 0.418 on log-odds): scores are log-odds."""
    items = _table()
    model = _model(items)
    candidates = Candidates(
        ranks={i: {"kg": n + 1} for n, i in enumerate(range(10, 20))} | {40: {"cf_knn": 1}},
        scores={i: {"kg": 1.0} for i in range(10, 20)} | {40: {"cf_knn": 1.0}},
        rrf={i: 1.0 / (2 + n) for n, i in enumerate(range(10, 20))} | {40: 0.01},
    )
    ids = [*range(10, 20), 40]
    rows = feature_matrix(items, PreferenceProfile(liked_items=(1,)), candidates, ids)
    scores, probability = model.predict(rows), model.booster.predict(rows)
    assert scores.min() < 0.0 < scores.max()  # probabilities never leave [0, 1]
    assert np.allclose(1 / (1 + np.exp(-scores)), probability)


def test_training_needs_a_query_with_a_target() -> None:
    with pytest.raises(ValueError, match="no training query"):
        train_fusion([(np.zeros((3, len(FEATURES))), np.zeros(3))])


def test_the_shipped_model_is_over_the_current_features() -> None:
    """A feature added or removed without ``parley-eval train-fusion`` would silently rank every
    turn by RRF: the model in the bundled catalogue directory must load."""
    data = Path(__file__).resolve().parents[2] / "data"
    shipped = LearnedFusion.load(data)
    assert shipped is not None
    assert tuple(shipped.booster.feature_name()) == FEATURES
