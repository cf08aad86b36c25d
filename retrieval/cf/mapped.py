"""The CF model as one ``.npy`` file per array, memory-mapped read-only on load (``np.load(mmap_mode="r")``).

For a catalogue too big for every worker to hold its CF arrays: the pages of an array are read from
the file when a request touches them and are shared by every worker on the host (the page cache),
instead of a private copy per worker. The arrays, and so every score, are those of ``CFModels``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from retrieval.cf.arrays import IdIndex, ItemStats
from retrieval.cf.models import FIX, MANIFEST, CFManifest, CFModels, model_arrays
from retrieval.errors import StoreUnavailableError


def _arrays(models: CFModels) -> dict[str, np.ndarray]:
    return {
        "user_ids": models.users.ids,
        "item_ids": models.items.ids,
        "svd_bu": models.svd.bu,
        "svd_bi": models.svd.bi,
        "svd_pu": models.svd.pu,
        "svd_qi": models.svd.qi,
        "knn_bu": models.knn.bu,
        "knn_bi": models.knn.bi,
        "knn_neighbours": models.knn.neighbours,
        "knn_similarity": models.knn.similarity,
        "ratings_indptr": models.ratings.indptr,
        "ratings_indices": models.ratings.indices,
        "ratings_values": models.ratings.values,
        "stats_count": models.stats.count,
        "stats_mean": models.stats.mean,
    }


def save_mapped(models: CFModels, directory: Path) -> Path:
    """Write every array as ``<name>.npy`` and the manifest (with the scalars) last."""
    directory.mkdir(parents=True, exist_ok=True)
    shapes = {}
    for name, array in _arrays(models).items():
        np.save(directory / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        shapes[name] = list(array.shape)
    manifest = models.manifest.to_json({}) | {
        "mapped": shapes,
        "svd_global_mean": models.svd.global_mean,
        "knn_global_mean": models.knn.global_mean,
        "stats_global_mean": models.stats.global_mean,
    }
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
    return directory


def load_mapped(directory: Path) -> CFModels:
    """The model saved by ``save_mapped``, every array memory-mapped read-only."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = CFManifest.from_json(data)
        shapes = dict(data["mapped"])
        a = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in shapes}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreUnavailableError("cf", f"no readable mapped CF model in {directory}: {exc}", FIX) from exc
    if any(list(a[name].shape) != shape for name, shape in shapes.items()):
        raise StoreUnavailableError("cf", f"array shapes in {directory} do not match the manifest", FIX)
    svd, knn, ratings = model_arrays(
        a, float(data["svd_global_mean"]), float(data["knn_global_mean"]), manifest.params
    )
    stats = ItemStats(
        count=a["stats_count"], mean=a["stats_mean"], global_mean=float(data["stats_global_mean"])
    )
    return CFModels(
        users=IdIndex(a["user_ids"]),
        items=IdIndex(a["item_ids"]),
        svd=svd,
        knn=knn,
        ratings=ratings,
        stats=stats,
        manifest=manifest,
    )
