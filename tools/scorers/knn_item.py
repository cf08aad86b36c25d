"""Item-based KNN scorer over the trained KNNBaseline item-item similarities."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from retrieval.errors import CannotScoreError
from tools.base import Evidence, EvidenceSource
from tools.profile import PreferenceProfile
from tools.scorers.base import CFView, ItemScorer, ScoredItem, top_indices


class ItemKnnScorer(ItemScorer):
    r"""Scores items by their similarity to the chat's liked and disliked items.

    With :math:`s_{ij}` the KNNBaseline similarity (shrunk Pearson-baseline, negatives clipped to 0),
    liked set :math:`L` and disliked set :math:`D`:

    :math:`\mathrm{score}(j) = \sum_{i \in L} s_{ij} - \beta \sum_{i \in D} s_{ij}`, with :math:`\beta = 1`.

    Evidence: the liked items that drove the score, with their similarity ("people who liked
    Heat and Collateral also rated this highly").
    """

    name: ClassVar[str] = "item_knn"
    source: ClassVar[EvidenceSource] = "cf"

    def __init__(self, cf: CFView, dislike_weight: float = 1.0) -> None:
        self.cf = cf
        self.dislike_weight = dislike_weight

    def score(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        liked = [j for j in (self.cf.inner(i) for i in profile.liked_items) if j is not None]
        disliked = [j for j in (self.cf.inner(i) for i in profile.disliked_items) if j is not None]
        if not liked and not disliked:
            raise CannotScoreError("no liked or disliked item is in the CF model")
        n = len(self.cf.item_ids)
        total = np.zeros(n, dtype=np.float64)
        rows = {i: np.clip(self.cf.similarity_row(i), 0.0, None) for i in liked + disliked}
        for i in liked:
            total += rows[i]
        for i in disliked:
            total -= self.dislike_weight * rows[i]
        exclude = [j for j in (self.cf.inner(i) for i in profile.excluded_items) if j is not None]
        out = []
        for j in top_indices(total, k, exclude):
            if total[j] <= 0:
                break
            drivers = sorted(((rows[i][j], i) for i in liked), reverse=True)[:3]
            neighbours = [
                {"item_id": int(self.cf.item_ids[i]), "similarity": round(float(s), 3)}
                for s, i in drivers
                if s > 0
            ]
            evidence = (
                [
                    Evidence(
                        source="cf",
                        kind="cf_neighbours",
                        summary="people who liked the films you mentioned also rated this highly",
                        facts={"neighbours": neighbours, "score": round(float(total[j]), 3)},
                    )
                ]
                if neighbours
                else []
            )
            out.append(ScoredItem(int(self.cf.item_ids[j]), float(total[j]), evidence))
        return out
