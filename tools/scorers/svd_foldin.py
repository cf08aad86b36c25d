"""SVD fold-in scorer for a session user who is not in the training data."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from retrieval.errors import CannotScoreError
from tools.base import Evidence, EvidenceSource
from tools.profile import PreferenceProfile
from tools.scorers.base import CFView, ItemScorer, ScoredItem, top_indices

LIKED_RATING = 5.0
DISLIKED_RATING = 1.5


class SvdFoldInScorer(ItemScorer):
    r"""Folds the session user into the trained SVD model, in closed form.

    With the trained global mean :math:`\mu`, item biases :math:`b_i` and item factors :math:`q_i`,
    and the chat's liked items rated :math:`r_i = 5` and disliked items :math:`r_i = 1.5`:

    1. residuals :math:`y_i = r_i - \mu - b_i` over the rated set :math:`S`;
    2. user bias :math:`b_u = \sum_{i \in S} y_i / (\lambda_b + |S|)`;
    3. user factors by ridge least squares
       :math:`p_u = (Q_S^\top Q_S + \lambda I)^{-1} Q_S^\top (y - b_u)`;
    4. score of every item :math:`\hat r_{uj} = \mu + b_j + b_u + q_j^\top p_u`.

    Evidence for an item: the liked items whose factors are closest to it (cosine of :math:`q`).
    """

    name: ClassVar[str] = "svd_foldin"
    source: ClassVar[EvidenceSource] = "cf"

    def __init__(self, cf: CFView, reg: float = 0.5, bias_reg: float = 2.0) -> None:
        self.cf = cf
        self.reg = reg
        self.bias_reg = bias_reg

    def _unit(self, rows: list[int] | int) -> np.ndarray:
        """The unit-length factors of some items, normalised when asked (no copy of every item's
        factors: they may be memory-mapped, ``retrieval.cf.mapped``)."""
        q = np.atleast_2d(self.cf.item_factors[rows])
        unit = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-9)
        return unit if isinstance(rows, list) else unit[0]

    def user_vector(self, profile: PreferenceProfile) -> tuple[np.ndarray, float, list[int]]:
        rated = [(self.cf.inner(i), LIKED_RATING) for i in profile.liked_items]
        rated += [(self.cf.inner(i), DISLIKED_RATING) for i in profile.disliked_items]
        known = [(idx, r) for idx, r in rated if idx is not None]
        if not known:
            raise CannotScoreError("no liked or disliked item is in the CF model")
        idx = np.array([i for i, _ in known], dtype=np.int64)
        ratings = np.array([r for _, r in known], dtype=np.float64)
        residual = ratings - self.cf.global_mean - self.cf.item_bias[idx]
        user_bias = float(residual.sum() / (self.bias_reg + len(idx)))
        q = self.cf.item_factors[idx]
        gram = q.T @ q + self.reg * np.eye(q.shape[1])
        p_u = np.linalg.solve(gram, q.T @ (residual - user_bias))
        return p_u, user_bias, [int(i) for i in idx]

    def score(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        p_u, user_bias, _rated = self.user_vector(profile)
        scores = self.cf.global_mean + self.cf.item_bias + user_bias + self.cf.item_factors @ p_u
        exclude = [j for j in (self.cf.inner(i) for i in profile.excluded_items) if j is not None]
        liked = [j for j in (self.cf.inner(i) for i in profile.liked_items) if j is not None]
        out = []
        for j in top_indices(scores, k, exclude):
            out.append(
                ScoredItem(int(self.cf.item_ids[j]), float(scores[j]), self._evidence(j, liked, scores[j]))
            )
        return out

    def _evidence(self, j: int, liked: list[int], predicted: float) -> list[Evidence]:
        closest: list[dict[str, float | int]] = []
        if liked:
            sims = self._unit(liked) @ self._unit(int(j))
            closest = [
                {"item_id": int(self.cf.item_ids[liked[o]]), "similarity": round(float(sims[o]), 3)}
                for o in np.argsort(-sims)[:2]
                if sims[o] > 0.1
            ]
        # every scored item carries evidence (the ranker drops items without any)
        summary = (
            "rated highly by people with the same taste in the films you liked"
            if closest
            else f"predicted rating {float(predicted):.1f} from people who rate films like you do"
        )
        return [
            Evidence(
                source="cf",
                kind="svd_foldin",
                summary=summary,
                facts={"predicted_rating": round(float(predicted), 2), "closest_liked": closest},
            )
        ]
