"""``CFModels``: SVD and item-based KNNBaseline trained on a catalogue's ratings, saved and reloaded.

A model directory holds ``manifest.json`` (ratings fingerprint, parameters, held-out RMSE, created
time, a sha256 per file) and ``arrays.npz`` (every array, see ``retrieval.cf.arrays``). Loading checks
the files against the manifest and never imports Surprise, so it is fast and never retrains.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from retrieval.catalogue_types import Catalogue
from retrieval.cf.arrays import (
    IdIndex,
    ItemStats,
    KNNNeighbours,
    SVDFactors,
    UserRatings,
    clip_rating,
)
from retrieval.cf.training import CFParams, evaluate, fit_knn, fit_svd, ratings_frame
from retrieval.errors import CannotScoreError, StoreUnavailableError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"
FIX = "run `parley ingest`"

Algo = Literal["svd", "knn"]


def ratings_fingerprint(ratings: pd.DataFrame) -> str:
    """sha256 of the (user, item, rating) triples, independent of row order."""
    df = ratings_frame(ratings).sort_values(["user_id", "item_id", "rating"], kind="stable")
    h = hashlib.sha256()
    for col in ("user_id", "item_id", "rating"):
        h.update(np.ascontiguousarray(df[col].to_numpy()).tobytes())
    return h.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_arrays(
    a: dict[str, np.ndarray], svd_mean: float, knn_mean: float, params: CFParams
) -> tuple[SVDFactors, KNNNeighbours, UserRatings]:
    """The SVD factors, KNN neighbours and rating rows of a model's named arrays (the ``.npz`` file's,
    or the memory-mapped ``.npy`` files' of ``retrieval.cf.mapped``)."""
    svd = SVDFactors(global_mean=svd_mean, bu=a["svd_bu"], bi=a["svd_bi"], pu=a["svd_pu"], qi=a["svd_qi"])
    knn = KNNNeighbours(
        global_mean=knn_mean,
        bu=a["knn_bu"],
        bi=a["knn_bi"],
        neighbours=a["knn_neighbours"],
        similarity=a["knn_similarity"],
        k=params.knn_k,
        min_k=params.knn_min_k,
    )
    ratings = UserRatings(
        indptr=a["ratings_indptr"], indices=a["ratings_indices"], values=a["ratings_values"]
    )
    return svd, knn, ratings


@dataclass(frozen=True)
class CFManifest:
    fingerprint: str
    params: CFParams
    metrics: dict[str, float]
    created: str
    n_users: int
    n_items: int
    n_ratings: int
    train_seconds: float

    def to_json(self, files: dict[str, str]) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "params": self.params.to_dict(),
            "metrics": self.metrics,
            "created": self.created,
            "n_users": self.n_users,
            "n_items": self.n_items,
            "n_ratings": self.n_ratings,
            "train_seconds": self.train_seconds,
            "files": files,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CFManifest:
        return cls(
            fingerprint=str(data["fingerprint"]),
            params=CFParams.from_dict(data["params"]),
            metrics={k: float(v) for k, v in data["metrics"].items()},
            created=str(data["created"]),
            n_users=int(data["n_users"]),
            n_items=int(data["n_items"]),
            n_ratings=int(data["n_ratings"]),
            train_seconds=float(data["train_seconds"]),
        )


class CFModels:
    """Trained SVD + KNNBaseline artefacts with popularity statistics.

    Ids in the public methods are raw catalogue ids (``user_id``, ``item_id``); ``users``/``items``
    translate to the inner row indices of the arrays (``svd.qi[items.inner(item_id)]``)."""

    def __init__(
        self,
        *,
        users: IdIndex,
        items: IdIndex,
        svd: SVDFactors,
        knn: KNNNeighbours,
        ratings: UserRatings,
        stats: ItemStats,
        manifest: CFManifest,
    ) -> None:
        self.users = users
        self.items = items
        self.svd = svd
        self.knn = knn
        self.ratings = ratings
        self.stats = stats
        self.manifest = manifest

    # ---------------------------------------------------------------- training
    @classmethod
    def train(
        cls,
        catalogue: Catalogue,
        *,
        params: CFParams | None = None,
        log: Callable[[str], None] | None = None,
    ) -> CFModels:
        """Evaluate on a fixed-seed held-out split (``params.test_fraction``), then refit on all ratings."""
        return cls.train_on_ratings(catalogue.ratings, params=params, log=log)

    @classmethod
    def train_on_ratings(
        cls,
        ratings: pd.DataFrame,
        *,
        params: CFParams | None = None,
        log: Callable[[str], None] | None = None,
    ) -> CFModels:
        params = params or CFParams()
        say = log or (lambda _msg: None)
        started = time.perf_counter()
        df = ratings_frame(ratings)
        if df.empty:
            raise CannotScoreError("no ratings to train collaborative filtering on")
        users = IdIndex(np.unique(df["user_id"].to_numpy()))
        items = IdIndex(np.unique(df["item_id"].to_numpy()))
        metrics = evaluate(df, users, items, params) if params.test_fraction > 0 else {}
        if metrics:
            say(
                f"held-out RMSE ({params.test_fraction:.0%} of {len(df)} ratings, seed {params.seed}): "
                f"SVD {metrics['svd_rmse']:.4f}, KNNBaseline {metrics['knn_rmse']:.4f} "
                f"(on the {metrics['knn_test_coverage']:.1%} of test ratings whose item has "
                f">= {params.knn_min_item_ratings} ratings; SVD there {metrics['svd_rmse_on_knn_rows']:.4f})"
            )
        svd = fit_svd(df, users, items, params)
        knn, _ = fit_knn(df, users, items, params)
        user_ratings = UserRatings.from_frame(df, users, items)
        stats = ItemStats.from_ratings(user_ratings, len(items))
        manifest = CFManifest(
            fingerprint=ratings_fingerprint(df),
            params=params,
            metrics=metrics,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            n_users=len(users),
            n_items=len(items),
            n_ratings=len(df),
            train_seconds=round(time.perf_counter() - started, 3),
        )
        say(f"trained CF on {len(df)} ratings in {manifest.train_seconds:.1f} s")
        return cls(
            users=users, items=items, svd=svd, knn=knn, ratings=user_ratings, stats=stats, manifest=manifest
        )

    # ------------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> Path:
        """Write the arrays and the manifest (atomically: the manifest is written last)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        arrays = {
            "user_ids": self.users.ids,
            "item_ids": self.items.ids,
            "svd_global_mean": np.array(self.svd.global_mean),
            "svd_bu": self.svd.bu,
            "svd_bi": self.svd.bi,
            "svd_pu": self.svd.pu,
            "svd_qi": self.svd.qi,
            "knn_global_mean": np.array(self.knn.global_mean),
            "knn_bu": self.knn.bu,
            "knn_bi": self.knn.bi,
            "knn_neighbours": self.knn.neighbours,
            "knn_similarity": self.knn.similarity,
            "ratings_indptr": self.ratings.indptr,
            "ratings_indices": self.ratings.indices,
            "ratings_values": self.ratings.values,
        }
        fd, tmp = tempfile.mkstemp(prefix=".arrays-", suffix=".npz", dir=out)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)
        os.replace(tmp, out / ARRAYS)
        manifest = self.manifest.to_json({ARRAYS: _sha256_file(out / ARRAYS)})
        tmp_manifest = out / f".{MANIFEST}.tmp"
        tmp_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp_manifest, out / MANIFEST)
        return out

    @classmethod
    def read_manifest(cls, directory: str | Path) -> dict[str, Any]:
        path = Path(directory) / MANIFEST
        if not path.is_file():
            raise StoreUnavailableError("cf", f"no trained model in {directory} (missing {MANIFEST})", FIX)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreUnavailableError("cf", f"unreadable {path}: {exc}", FIX) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise StoreUnavailableError("cf", f"{path} has an unknown format", FIX)
        return data

    @classmethod
    def load(cls, directory: str | Path, *, expect_fingerprint: str | None = None) -> CFModels:
        """Load a saved model. Raises StoreUnavailableError when missing, corrupt or (given
        ``expect_fingerprint``) trained on other ratings."""
        data = cls.read_manifest(directory)
        try:
            manifest = CFManifest.from_json(data)
            files = dict(data["files"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreUnavailableError("cf", f"malformed manifest in {directory}: {exc}", FIX) from exc
        if expect_fingerprint is not None and manifest.fingerprint != expect_fingerprint:
            raise StoreUnavailableError(
                "cf", "the model was trained on other ratings than the catalogue's", FIX
            )
        path = Path(directory) / ARRAYS
        if not path.is_file() or _sha256_file(path) != files.get(ARRAYS):
            raise StoreUnavailableError("cf", f"{path} is missing or does not match the manifest", FIX)
        try:
            with np.load(path, allow_pickle=False) as z:
                a = {k: z[k] for k in z.files}
            users, items = IdIndex(a["user_ids"]), IdIndex(a["item_ids"])
            svd, knn, ratings = model_arrays(
                a, float(a["svd_global_mean"]), float(a["knn_global_mean"]), manifest.params
            )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise StoreUnavailableError("cf", f"corrupt {path}: {exc}", FIX) from exc
        if (
            svd.qi.shape[0] != len(items)
            or svd.pu.shape[0] != len(users)
            or len(ratings.indptr) != len(users) + 1
        ):
            raise StoreUnavailableError("cf", f"inconsistent array shapes in {path}", FIX)
        stats = ItemStats.from_ratings(ratings, len(items))
        return cls(
            users=users, items=items, svd=svd, knn=knn, ratings=ratings, stats=stats, manifest=manifest
        )

    # ----------------------------------------------------------------- queries
    @property
    def fingerprint(self) -> str:
        return self.manifest.fingerprint

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.manifest.metrics)

    @property
    def global_mean(self) -> float:
        return self.svd.global_mean

    def item_inner(self, item_id: int) -> int:
        inner = self.items.inner(item_id)
        if inner is None:
            raise CannotScoreError(f"item {item_id} has no ratings in the collaborative-filtering model")
        return inner

    def user_inner(self, user_id: int) -> int:
        inner = self.users.inner(user_id)
        if inner is None:
            raise CannotScoreError(f"user {user_id} is unknown to the collaborative-filtering model")
        return inner

    def predict_user(self, user_id: int, item_id: int, algo: Algo = "svd") -> float:
        """Predicted rating of a known (catalogue) user for an item, clipped to the rating scale."""
        u, i = self.user_inner(user_id), self.item_inner(item_id)
        if algo == "svd":
            return clip_rating(self.svd.estimate(u, i))
        if algo == "knn":
            if not self.knn.knows_item(i):
                raise CannotScoreError(f"item {item_id} has too few ratings for the neighbour model")
            return clip_rating(self.knn.estimate(u, i, self.ratings))
        raise ValueError(f"unknown algorithm {algo!r}")

    def item_factors(self, item_id: int) -> np.ndarray:
        return np.asarray(self.svd.qi[self.item_inner(item_id)])

    def item_bias(self, item_id: int) -> float:
        return float(self.svd.bi[self.item_inner(item_id)])

    def neighbours(self, item_id: int, n: int = 20) -> list[tuple[int, float]]:
        """Most similar items (raw ids) with their pearson-baseline similarity, best first."""
        return [(self.items.raw(j), s) for j, s in self.knn.top(self.item_inner(item_id), n)]

    def rated_by(self, user_id: int) -> dict[int, float]:
        idx, values = self.ratings.row(self.user_inner(user_id))
        return {self.items.raw(int(j)): float(r) for j, r in zip(idx, values, strict=True)}

    def popularity(self, item_id: int) -> int:
        """Number of ratings of the item (0 when unrated)."""
        inner = self.items.inner(item_id)
        return 0 if inner is None else int(self.stats.count[inner])

    def mean_rating(self, item_id: int) -> float | None:
        inner = self.items.inner(item_id)
        return None if inner is None else float(self.stats.mean[inner])

    def damped_mean(self, item_id: int, strength: float | None = None) -> float:
        """Bayesian mean rating, shrunk toward the global mean by ``strength`` pseudo-ratings."""
        m = self.manifest.params.prior_strength if strength is None else strength
        return self.stats.damped_mean(self.items.inner(item_id), m)
