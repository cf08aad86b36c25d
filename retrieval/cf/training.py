"""Fitting the Surprise models and turning them into the numpy artefacts of ``arrays``.

Surprise is imported lazily: loading a saved model never needs it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from retrieval.cf.arrays import RATING_SCALE, IdIndex, KNNNeighbours, SVDFactors, UserRatings

if TYPE_CHECKING:
    from surprise import Trainset


@dataclass(frozen=True)
class CFParams:
    """Training parameters (all recorded in the manifest)."""

    svd_factors: int = 100
    svd_epochs: int = 40
    svd_lr: float = 0.01  # Surprise's lr_all / reg_all; these beat its defaults (0.005 / 0.02, 20 epochs)
    svd_reg: float = 0.05  # on ML-latest-small: held-out RMSE 0.838 vs 0.855
    seed: int = 0
    knn_k: int = 40
    knn_min_k: int = 1
    knn_min_item_ratings: int = 5  # items with fewer ratings have (shrunk) similarities of ~0
    knn_keep_neighbours: int = 100  # neighbours kept per item (the full matrix is n_items² floats)
    test_fraction: float = 0.1
    prior_strength: float = 10.0  # m of the damped mean
    reference_knn_rmse: bool = False  # also score Surprise's own KNN (full similarity; slow, ~10 s)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CFParams:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def ratings_frame(ratings: pd.DataFrame) -> pd.DataFrame:
    """The three columns Surprise needs, with clean dtypes."""
    df = ratings[["user_id", "item_id", "rating"]].copy()
    df["user_id"] = df["user_id"].astype(np.int64)
    df["item_id"] = df["item_id"].astype(np.int64)
    df["rating"] = df["rating"].astype(np.float64)
    return df.reset_index(drop=True)


def split(df: pd.DataFrame, test_fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed-seed random split of the rating rows."""
    order = np.random.default_rng(seed).permutation(len(df))
    n_test = round(len(df) * test_fraction)
    return df.iloc[order[n_test:]].reset_index(drop=True), df.iloc[order[:n_test]].reset_index(drop=True)


def _trainset(df: pd.DataFrame) -> Trainset:
    from surprise import Dataset, Reader

    data = Dataset.load_from_df(df[["user_id", "item_id", "rating"]], Reader(rating_scale=RATING_SCALE))
    return data.build_full_trainset()


def _to_canonical(trainset: Trainset, users: IdIndex, items: IdIndex) -> tuple[np.ndarray, np.ndarray]:
    """Canonical index of each Surprise inner user / item id."""
    u = users.map(np.array([trainset.to_raw_uid(x) for x in range(trainset.n_users)], dtype=np.int64))
    i = items.map(np.array([trainset.to_raw_iid(x) for x in range(trainset.n_items)], dtype=np.int64))
    return u, i


def fit_svd(df: pd.DataFrame, users: IdIndex, items: IdIndex, params: CFParams) -> SVDFactors:
    from surprise import SVD

    trainset = _trainset(df)
    algo = SVD(
        n_factors=params.svd_factors,
        n_epochs=params.svd_epochs,
        lr_all=params.svd_lr,
        reg_all=params.svd_reg,
        random_state=params.seed,
    )
    algo.fit(trainset)
    cu, ci = _to_canonical(trainset, users, items)
    f = params.svd_factors
    bu, bi = np.zeros(len(users)), np.zeros(len(items))
    pu, qi = np.zeros((len(users), f)), np.zeros((len(items), f))
    bu[cu], pu[cu] = algo.bu, algo.pu
    bi[ci], qi[ci] = algo.bi, algo.qi
    return SVDFactors(global_mean=float(trainset.global_mean), bu=bu, bi=bi, pu=pu, qi=qi)


def knn_subset(df: pd.DataFrame, min_item_ratings: int) -> pd.DataFrame:
    counts = df["item_id"].value_counts()
    keep = counts[counts >= min_item_ratings].index
    return df[df["item_id"].isin(keep)].reset_index(drop=True)


def fit_knn(df: pd.DataFrame, users: IdIndex, items: IdIndex, params: CFParams) -> tuple[KNNNeighbours, Any]:
    """Fit KNNBaseline (item-based, pearson_baseline) on items with enough ratings.

    Returns the artefacts and the fitted Surprise algorithm (for the reference RMSE)."""
    from surprise import KNNBaseline

    sub = knn_subset(df, params.knn_min_item_ratings)
    trainset = _trainset(sub)
    algo = KNNBaseline(
        k=params.knn_k,
        min_k=params.knn_min_k,
        sim_options={"name": "pearson_baseline", "user_based": False},
        verbose=False,
    )
    algo.fit(trainset)
    cu, ci = _to_canonical(trainset, users, items)
    bu, bi = np.full(len(users), np.nan), np.full(len(items), np.nan)
    bu[cu], bi[ci] = algo.bu, algo.bi
    keep = max(1, min(params.knn_keep_neighbours, trainset.n_items - 1))
    neighbours = np.full((len(items), keep), -1, dtype=np.int32)
    similarity = np.zeros((len(items), keep), dtype=np.float32)
    sim = np.array(algo.sim, dtype=np.float64, copy=True)
    np.fill_diagonal(sim, -np.inf)
    for x in range(trainset.n_items):
        row = sim[x]
        top = np.argpartition(-row, keep - 1)[:keep] if len(row) > keep else np.arange(len(row))
        top = top[np.argsort(-row[top], kind="stable")]
        top = top[row[top] > 0]
        neighbours[ci[x], : len(top)] = ci[top]
        similarity[ci[x], : len(top)] = row[top]
    knn = KNNNeighbours(
        global_mean=float(trainset.global_mean),
        bu=bu,
        bi=bi,
        neighbours=neighbours,
        similarity=similarity,
        k=params.knn_k,
        min_k=params.knn_min_k,
    )
    return knn, algo


def _rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    if len(truth) == 0:
        return float("nan")
    return float(math.sqrt(float(np.mean((pred - truth) ** 2))))


def evaluate(df: pd.DataFrame, users: IdIndex, items: IdIndex, params: CFParams) -> dict[str, float]:
    """Held-out RMSE on a fixed-seed split, for the models exactly as they are served."""
    lo, hi = RATING_SCALE
    train, test = split(df, params.test_fraction, params.seed)
    train_ratings = UserRatings.from_frame(train, users, items)
    tu = users.map(test["user_id"].to_numpy())
    ti = items.map(test["item_id"].to_numpy())
    truth = test["rating"].to_numpy(dtype=np.float64)

    svd = fit_svd(train, users, items, params)
    svd_pred = np.clip(svd.estimate_many(tu, ti), lo, hi)

    knn, algo = fit_knn(train, users, items, params)
    covered = np.array(
        [knn.knows_item(int(i)) and knn.knows_user(int(u)) for u, i in zip(tu, ti, strict=True)], dtype=bool
    )
    knn_pred = np.array(
        [knn.estimate(int(u), int(i), train_ratings) for u, i in zip(tu[covered], ti[covered], strict=True)]
    )
    knn_pred = np.clip(knn_pred, lo, hi)
    metrics = {
        "svd_rmse": _rmse(svd_pred, truth),
        "knn_rmse": _rmse(knn_pred, truth[covered]),
        "svd_rmse_on_knn_rows": _rmse(svd_pred[covered], truth[covered]),
        "knn_test_coverage": float(covered.mean()) if len(covered) else float("nan"),
        "n_train": float(len(train)),
        "n_test": float(len(test)),
    }
    if params.reference_knn_rmse:
        rows = test[covered]
        reference = [
            algo.predict(int(u), int(i)).est
            for u, i in zip(rows["user_id"].tolist(), rows["item_id"].tolist(), strict=True)
        ]
        metrics["knn_rmse_full_similarity"] = _rmse(np.array(reference), truth[covered])
    return metrics
