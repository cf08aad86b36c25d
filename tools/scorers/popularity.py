"""Popularity/quality prior: what to offer when nothing is known yet."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from tools.base import Evidence, EvidenceSource
from tools.profile import PreferenceProfile
from tools.scorers.base import CFView, ItemScorer, ScoredItem, top_indices


class PopularityScorer(ItemScorer):
    r"""Damped mean rating with a log-popularity boost.

    :math:`\mathrm{score}(j) = \frac{n_j \bar r_j + m \mu}{n_j + m} + \gamma \log(1 + n_j)`,
    with :math:`n_j` the number of ratings, :math:`\bar r_j` the mean rating, :math:`\mu` the global
    mean, :math:`m` the damping count and :math:`\gamma` the popularity weight. Never fails.
    """

    name: ClassVar[str] = "popularity"
    source: ClassVar[EvidenceSource] = "popularity"

    def __init__(self, cf: CFView, damping: float = 10.0, popularity_weight: float = 0.25) -> None:
        self.cf = cf
        n = cf.rating_count
        self.scores = (n * cf.rating_mean + damping * cf.global_mean) / (n + damping)
        self.scores = self.scores + popularity_weight * np.log1p(n)
        self._evidence: dict[int, Evidence] = {}  # by inner index: the same every turn

    def _evidence_of(self, j: int) -> Evidence:
        evidence = self._evidence.get(j)
        if evidence is None:
            facts = {
                "n_ratings": int(self.cf.rating_count[j]),
                "mean_rating": round(float(self.cf.rating_mean[j]), 2),
            }
            evidence = Evidence(
                source="popularity",
                kind="popular",
                summary=f"widely liked: rated {facts['mean_rating']}/5 by {facts['n_ratings']} people",
                facts=facts,
            )
            self._evidence[j] = evidence
        return evidence

    def score(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        exclude = [j for j in (self.cf.inner(i) for i in profile.excluded_items) if j is not None]
        return [
            ScoredItem(int(self.cf.item_ids[j]), float(self.scores[j]), [self._evidence_of(j)])
            for j in top_indices(self.scores, k, exclude)
        ]
