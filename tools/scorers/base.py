"""Item scorers, Surprise-style: one base class, each algorithm in its own file with its formula in
the docstring. "Cannot score" is ``retrieval.errors.CannotScoreError``; ``score_with_fallback`` is the
one place that handles it (with a marked fallback)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import CannotScoreError
from tools.base import Evidence, EvidenceSource
from tools.profile import PreferenceProfile


class CFView(Protocol):
    """What the scorers read from the trained CF models (dense arrays over inner item indices)."""

    global_mean: float
    item_ids: NDArray[np.int64]  # inner index -> catalogue item_id
    item_factors: NDArray[np.float64]  # (n_items, n_factors), SVD q_i
    item_bias: NDArray[np.float64]  # SVD b_i
    rating_count: NDArray[np.float64]
    rating_mean: NDArray[np.float64]

    def inner(self, item_id: int) -> int | None: ...

    def similar_items(self, inner: int, k: int) -> list[tuple[int, float]]: ...

    def similarity_row(self, inner: int) -> NDArray[np.float64]: ...


@dataclass
class ScoredItem:
    item_id: int
    score: float
    evidence: list[Evidence] = field(default_factory=list)


class ItemScorer(ABC):
    """Scores catalogue items for a preference profile."""

    name: ClassVar[str]
    source: ClassVar[EvidenceSource]

    @abstractmethod
    def score(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        """Top-``k`` items for ``profile``, best first; raises CannotScoreError when it has no signal."""


def score_with_fallback(
    primary: ItemScorer, fallback: ItemScorer, profile: PreferenceProfile, k: int
) -> tuple[list[ScoredItem], bool]:
    """Score with ``primary``; on CannotScoreError use ``fallback`` (FALLBACK: marked by the flag)."""
    try:
        return primary.score(profile, k), False
    except CannotScoreError:
        return fallback.score(profile, k), True


def top_indices(scores: NDArray[np.float64], k: int, exclude: Sequence[int] = ()) -> list[int]:
    """Indices of the ``k`` largest finite scores, excluding some indices."""
    masked = scores.astype(np.float64, copy=True)
    if len(exclude):
        masked[np.asarray(list(exclude), dtype=np.int64)] = -np.inf
    k = min(k, int(np.isfinite(masked).sum()))
    if k <= 0:
        return []
    part = np.argpartition(-masked, k - 1)[:k]
    return [int(i) for i in part[np.argsort(-masked[part], kind="stable")]]
