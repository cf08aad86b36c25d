"""Learned fusion: a LightGBM model (binary objective: is the candidate a target?) over the
candidates' features (``tools.ranking.features``) replaces the weighted reciprocal-rank fusion score.

It ranks every turn (``LearnedFusion.applies``; ``RankerWeights.learned_on_wish`` off: not one whose
message described a wish) in which the CF models know at most ``RankerWeights.learned_max_rated`` of
the liked films (``Ranker``: a rating history is outside the chat replays it learned from); otherwise
RRF does. On a turn whose message described a wish the vector source's best
``RankerWeights.wish_lead`` come first (``tools.ranking.leads``). The model re-scores the best
``POOL`` candidates by RRF; the others keep their RRF order below them (they are never in a
top-50, and the model was trained on the same pool). Hard constraints are
applied before (only allowed candidates get features), genre-first and MMR after, and an item's
reasons are still those of the sources that proposed it: the model changes the order only.

The model is a LightGBM text file in the catalogue directory (``FILE_NAME``), trained by
``parley-eval train-fusion`` on the development replay cases; a catalogue without it (or with a model
over other features) ranks by RRF.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tools.item_table import ItemTable
from tools.profile import PreferenceProfile
from tools.ranking.features import FEATURES, Candidates, feature_matrix

log = logging.getLogger(__name__)
FILE_NAME = "fusion_model.txt"
POOL = 600
# Pointwise (is this candidate a target?), not lambdarank: out of fold on the stop-30 lists,
# model order alone, ReDial dedup R@10 / R@50 0.283 / 0.443 against lambdarank's 0.277 / 0.431,
# INSPIRED 0.223 / 0.273 against 0.190 / 0.264 (rank_xendcg: 0.223 / 0.348 on ReDial).
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "metric": "auc",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "seed": 0,
    "verbose": -1,
}
ROUNDS = 150


def rrf_order(candidates: Candidates) -> list[int]:
    """Candidates by RRF score, best first (ties: lower id)."""
    return sorted(candidates.rrf, key=lambda i: (-candidates.rrf[i], i))


def pool_features(
    items: ItemTable, profile: PreferenceProfile, candidates: Candidates
) -> tuple[list[int], NDArray[np.float64]]:
    """(the best ``POOL`` candidates by RRF, their feature rows): what the model scores."""
    top = rrf_order(candidates)[:POOL]
    return top, feature_matrix(items, profile, candidates, top)


class LearnedFusion:
    """A trained ranking model over ``FEATURES``."""

    def __init__(self, booster: Any) -> None:
        self.booster = booster

    @classmethod
    def load(cls, data_dir: Path) -> LearnedFusion | None:
        """The catalogue's model, or None (no file, or a model over other features: RRF)."""
        path = data_dir / FILE_NAME
        if not path.is_file():
            return None
        import lightgbm

        booster = lightgbm.Booster(model_file=str(path))
        if tuple(booster.feature_name()) != FEATURES:
            log.warning(
                "%s was trained on other features; ranking by RRF (retrain: parley-eval train-fusion)", path
            )
            return None
        return cls(booster)

    @staticmethod
    def applies(profile: PreferenceProfile, on_wish: bool = False) -> bool:
        """Whether the model ranks for this profile: always with ``on_wish`` (the default), else
        unless a fresh description leads the turn. It was trained on every replay case, a seeker who
        named no film or described a wish included. Until stop 30 a described wish went to RRF with
        the vector weight grown: the model put what chats recommend above what was described ("It"
        for a film set in Tokyo), and it did not beat RRF there (stop 25). Now it does, out of fold,
        by a wide margin, and ``tools.ranking.leads`` keeps the wish in the lead."""
        return on_wish or not profile.fresh_description

    def save(self, data_dir: Path) -> Path:
        path = data_dir / FILE_NAME
        self.booster.save_model(str(path))
        return path

    def predict(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        if not len(features):
            return np.zeros(0)
        # log-odds, not probabilities: MMR rescales relevance by the spread of the best 40, and
        # probabilities squeeze the tail to one value (ReDial dedup R@50 0.344, log-odds 0.418)
        raw = self.booster.predict(features, num_threads=1, raw_score=True)
        return np.asarray(raw, dtype=np.float64)

    def rescore(
        self, items: ItemTable, profile: PreferenceProfile, candidates: Candidates
    ) -> dict[int, float]:
        """Every candidate's fused score: the model's for the best ``POOL`` by RRF, below them the
        rest in RRF order."""
        order = rrf_order(candidates)
        top = order[:POOL]  # as ``pool_features``, sorted once
        predicted = self.predict(feature_matrix(items, profile, candidates, top))
        scores = {item_id: float(s) for item_id, s in zip(top, predicted, strict=True)}
        low = (float(predicted.min()) if len(predicted) else 0.0) - 1.0
        for n, item_id in enumerate(order[POOL:]):
            scores[item_id] = low - (n + 1) * 1e-6
        return scores

    @property
    def importance(self) -> dict[str, float]:
        """Total gain by feature, largest first."""
        gains = self.booster.feature_importance(importance_type="gain")
        pairs = sorted(zip(FEATURES, gains, strict=True), key=lambda p: -p[1])
        return {name: round(float(g), 1) for name, g in pairs if g > 0}


def train_fusion(
    queries: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]],
    params: dict[str, Any] | None = None,
    rounds: int = ROUNDS,
) -> LearnedFusion:
    """A model trained on ranking queries (each: feature rows of one case's candidates, 0/1 labels:
    the candidate is one of the case's targets). Queries without a target teach nothing and are
    left out."""
    import lightgbm

    kept = [(x, y) for x, y in queries if len(y) and y.max() > 0]
    if not kept:
        raise ValueError("no training query has a target among its candidates")
    data = lightgbm.Dataset(
        np.vstack([x for x, _ in kept]),
        label=np.concatenate([y for _, y in kept]),
        group=[len(y) for _, y in kept],
        feature_name=list(FEATURES),
        free_raw_data=True,
    )
    booster = lightgbm.train(params or PARAMS, data, num_boost_round=rounds)
    return LearnedFusion(booster)
