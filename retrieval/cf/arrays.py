"""The numeric artefacts of the collaborative-filtering models, and how they predict.

Everything here is plain numpy, indexed by one *canonical* index shared by all artefacts:
``item_ids[inner] -> raw item_id`` and ``user_ids[inner] -> raw user_id`` (both sorted ascending).
These arrays are what is saved and loaded, so a reloaded model predicts exactly what the trained one did.
The Surprise algorithm objects are only used to fit; they are not kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RATING_SCALE: tuple[float, float] = (0.5, 5.0)


@dataclass(frozen=True)
class IdIndex:
    """Raw id <-> inner (row) index. ``ids`` is sorted ascending; inner id = position."""

    ids: np.ndarray  # int64, sorted, unique

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pos", {int(r): i for i, r in enumerate(self.ids.tolist())})

    def __len__(self) -> int:
        return len(self.ids)

    def inner(self, raw: int) -> int | None:
        """Inner index of a raw id, or None when the id is unknown."""
        pos: dict[int, int] = self.__dict__["_pos"]
        return pos.get(int(raw))

    def raw(self, inner: int) -> int:
        return int(self.ids[inner])

    def map(self, raw: np.ndarray) -> np.ndarray:
        """Vectorised raw -> inner; -1 for unknown ids."""
        raw = np.asarray(raw, dtype=np.int64)
        if len(self.ids) == 0:
            return np.full(len(raw), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, raw), len(self.ids) - 1)
        return np.where(self.ids[pos] == raw, pos, -1).astype(np.int64)


@dataclass(frozen=True)
class UserRatings:
    """The training ratings as CSR rows: user inner id -> (item inner ids sorted, ratings)."""

    indptr: np.ndarray  # int64 (n_users + 1,)
    indices: np.ndarray  # int32 item inner ids, sorted within each row
    values: np.ndarray  # float32 ratings

    @classmethod
    def from_frame(cls, df: pd.DataFrame, users: IdIndex, items: IdIndex) -> UserRatings:
        u = users.map(df["user_id"].to_numpy())
        i = items.map(df["item_id"].to_numpy())
        r = df["rating"].to_numpy(dtype=np.float32)
        keep = (u >= 0) & (i >= 0)
        u, i, r = u[keep], i[keep], r[keep]
        order = np.lexsort((i, u))
        u, i, r = u[order], i[order], r[order]
        counts = np.bincount(u, minlength=len(users))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(indptr=indptr, indices=i.astype(np.int32), values=r)

    def row(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(self.indptr[user]), int(self.indptr[user + 1])
        return self.indices[lo:hi], self.values[lo:hi]


@dataclass(frozen=True)
class SVDFactors:
    """Biased matrix factorisation: r(u, i) = mu + bu[u] + bi[i] + qi[i] . pu[u].

    Rows of users/items that were absent from the training ratings are zero, which gives exactly
    Surprise's fallback (global mean plus the known bias)."""

    global_mean: float
    bu: np.ndarray  # float64 (n_users,)
    bi: np.ndarray  # float64 (n_items,)
    pu: np.ndarray  # float64 (n_users, n_factors)
    qi: np.ndarray  # float64 (n_items, n_factors)

    def estimate(self, user: int, item: int) -> float:
        # same operation order as surprise.SVD.estimate, so the floats match bit for bit
        est = self.global_mean
        est += self.bu[user]
        est += self.bi[item]
        est += np.dot(self.qi[item], self.pu[user])
        return float(est)

    def estimate_many(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.qi[items], self.pu[users])
        return np.asarray(self.global_mean + self.bu[users] + self.bi[items] + dots, dtype=np.float64)


@dataclass(frozen=True)
class KNNNeighbours:
    """Item-based KNN with baselines (Surprise's KNNBaseline), keeping each item's top neighbours.

    ``neighbours[i]`` holds the inner ids of the items most similar to item ``i`` (pearson-baseline,
    positive similarities only, best first; -1 pads), ``similarity[i]`` their similarities.
    ``bu``/``bi`` are the ALS baseline biases; NaN where a user/item was not in the KNN training set
    (items with too few ratings are left out of the neighbour model)."""

    global_mean: float
    bu: np.ndarray  # float64 (n_users,)
    bi: np.ndarray  # float64 (n_items,)
    neighbours: np.ndarray  # int32 (n_items, keep)
    similarity: np.ndarray  # float32 (n_items, keep)
    k: int
    min_k: int

    def knows_item(self, item: int) -> bool:
        return not np.isnan(self.bi[item])

    def knows_user(self, user: int) -> bool:
        return not np.isnan(self.bu[user])

    def top(self, item: int, n: int) -> list[tuple[int, float]]:
        nb = self.neighbours[item]
        valid = nb >= 0
        return list(
            zip(nb[valid][:n].tolist(), self.similarity[item][valid][:n].astype(float).tolist(), strict=True)
        )

    def estimate(self, user: int, item: int, ratings: UserRatings) -> float:
        """KNNBaseline's estimate, restricted to the kept neighbours of ``item``."""
        est = self.global_mean
        bu = 0.0 if np.isnan(self.bu[user]) else float(self.bu[user])
        bi = 0.0 if np.isnan(self.bi[item]) else float(self.bi[item])
        est += bu + bi
        if np.isnan(self.bu[user]) or np.isnan(self.bi[item]):
            return float(est)
        rated_items, rated_values = ratings.row(user)
        if len(rated_items) == 0:
            return float(est)
        nb = self.neighbours[item]
        pos = np.minimum(np.searchsorted(rated_items, nb), len(rated_items) - 1)
        hit = (nb >= 0) & (rated_items[pos] == nb)
        nb_hit = nb[hit][: self.k]
        sims = self.similarity[item][hit][: self.k].astype(np.float64)
        if len(nb_hit) < max(self.min_k, 1):
            return float(est)
        r = rated_values[pos[hit][: self.k]].astype(np.float64)
        nb_baseline = self.global_mean + self.bi[nb_hit] + bu
        est += float(np.sum(sims * (r - nb_baseline)) / np.sum(sims))
        return float(est)


@dataclass(frozen=True)
class ItemStats:
    """Per-item rating count and mean, for popularity and quality priors."""

    count: np.ndarray  # int64 (n_items,)
    mean: np.ndarray  # float64 (n_items,)
    global_mean: float

    @classmethod
    def from_ratings(cls, ratings: UserRatings, n_items: int) -> ItemStats:
        count = np.bincount(ratings.indices, minlength=n_items).astype(np.int64)
        sums = np.bincount(ratings.indices, weights=ratings.values.astype(np.float64), minlength=n_items)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, sums / np.maximum(count, 1), np.nan)
        total = float(count.sum())
        global_mean = float(sums.sum() / total) if total else float("nan")
        return cls(count=count, mean=mean, global_mean=global_mean)

    def damped_mean(self, item: int | None, strength: float) -> float:
        """Bayesian (damped) mean: (n * mean + m * global) / (n + m); the global mean when unrated."""
        if item is None or self.count[item] == 0:
            return self.global_mean
        n = float(self.count[item])
        return (n * float(self.mean[item]) + strength * self.global_mean) / (n + strength)


def clip_rating(value: float) -> float:
    lo, hi = RATING_SCALE
    return float(min(max(value, lo), hi))
