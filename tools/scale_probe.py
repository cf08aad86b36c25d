"""One size of the growth curve, in a fresh process: ``python -m tools.scale_probe --items N --out F``.

Generates the synthetic catalogue (``tools.synthetic``), builds a worker's in-memory state and times
its ranker (``tools.scale_worker``), then builds the three stores with the real code: the graph in a
fresh embedded ArcadeDB over Bolt (``GraphStore.load``), the vectors in a fresh Chroma with MiniLM
(``VectorStore.build``), the CF models (``CFModels.train_on_ratings``). Sizes above ``--full-up-to``
build the graph and vectors for a sample of ``--sample`` items and time the CF fits on that sample;
the JSON result says which figures are measured and which are extrapolated from a sample, and how.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.catalogue_types import Catalogue
from retrieval.cf.arrays import IdIndex
from retrieval.cf.training import CFParams, fit_knn, fit_svd, ratings_frame
from retrieval.graph import EmbeddedGraphServer, GraphStore
from retrieval.vectors import VectorStore
from tools.item_table import ItemTable
from tools.scale_disk import disk_figures
from tools.scale_worker import (
    build_worker,
    model_mb,
    profiles,
    request_profiles,
    rss_mb,
    time_ranker,
    trained_shape_model,
)
from tools.stores import StoreConfig
from tools.synthetic import synthetic_catalogue
from tools.timing import ms_since, percentiles

MEASURED, EXTRAPOLATED, COMPUTED = "measured", "extrapolated", "computed"


def dir_mb(path: Path) -> float:
    files = [f for f in path.rglob("*") if f.is_file()] if path.exists() else []
    return round(sum(f.stat().st_size for f in files) / 1e6, 1)


def cf_params() -> CFParams:
    """The CF parameters of the default Settings, one fit on all ratings (no held-out split)."""
    config = StoreConfig(data_dir=Path("data"), state_dir=Path(".state"))
    params = config.cf_params()
    return CFParams(**(params.to_dict() | {"test_fraction": 0.0}))


def graph_ingest(catalogue: Catalogue, root: Path, heap_mb: int, liked: list[list[int]]) -> dict[str, Any]:
    """Load ``catalogue`` into a fresh embedded graph server: load time, counts, size on disk, the
    snapshot's three reads over Bolt, and the bounded Cypher neighbourhood query's latency."""
    started = time.perf_counter()
    server = EmbeddedGraphServer(root, database="scale", heap_mb=heap_mb, start_timeout_s=180)
    server.start()
    start_s = round(time.perf_counter() - started, 2)
    store = GraphStore(server.uri, server.user, server.password, "scale", 60.0)
    try:
        started = time.perf_counter()
        store.load(catalogue)
        load_s = round(time.perf_counter() - started, 2)
        counts = store.counts()
        started = time.perf_counter()
        snapshot = store.snapshot()
        snapshot_s = round(time.perf_counter() - started, 2)
        cypher, memory = [], []
        for ids in liked:  # the same request both ways, on the same graph
            started = time.perf_counter()
            store.shared_neighbours(ids, limit=100)
            cypher.append(ms_since(started))
            started = time.perf_counter()
            snapshot.shared_neighbours(ids, limit=100)
            memory.append(ms_since(started))
    finally:
        store.close()
        server.stop()
    return {
        "items": len(catalogue.items),
        "start_s": start_s,
        "seconds": load_s,
        "units": counts.get("all_nodes", 0) + counts.get("all_relationships", 0),
        "nodes": counts.get("all_nodes", 0),
        "relationships": counts.get("all_relationships", 0),
        "mb": dir_mb(root / "databases"),
        "snapshot_read_s": snapshot_s,
        "cypher_ms": percentiles(cypher),
        "snapshot_ms": percentiles(memory),
    }


def vector_ingest(catalogue: Catalogue, root: Path, liked: list[list[int]]) -> dict[str, Any]:
    """Embed and store ``catalogue``'s documents in a fresh Chroma: time, size, query latency."""
    store = VectorStore.persistent(root / "chroma", "scale_items", cache_dir=root / "embeddings")
    started = time.perf_counter()
    report = store.build(catalogue)
    seconds = round(time.perf_counter() - started, 2)
    queries = []
    for ids in liked:
        vectors = store.item_vectors(ids)
        if not vectors:
            continue
        mean = np.mean(list(vectors.values()), axis=0)
        started = time.perf_counter()
        store.query(vector=mean / max(float(np.linalg.norm(mean)), 1e-9), k=100)
        queries.append(ms_since(started))
    return {
        "items": len(catalogue.items),
        "seconds": seconds,
        "embedded": report.embedded,
        "mb": dir_mb(root / "chroma"),
        "query_ms": percentiles(queries),
    }


def cf_sample_fits(catalogue: Catalogue, params: CFParams) -> dict[str, Any]:
    """The SVD and item-KNN fits on a sample's ratings, timed apart (they scale differently)."""
    df = ratings_frame(catalogue.ratings)
    users = IdIndex(np.unique(df["user_id"].to_numpy()))
    items = IdIndex(np.unique(df["item_id"].to_numpy()))
    started = time.perf_counter()
    fit_svd(df, users, items, params)
    svd_s = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    fit_knn(df, users, items, params)
    knn_s = round(time.perf_counter() - started, 2)
    return {"ratings": len(df), "knn_items": knn_items(catalogue, params), "svd_s": svd_s, "knn_s": knn_s}


def knn_items(catalogue: Catalogue, params: CFParams) -> int:
    """Items with enough ratings for the item-KNN model (its similarity matrix is this squared)."""
    counts = catalogue.ratings["item_id"].value_counts()
    return int((counts >= params.knn_min_item_ratings).sum())


def _generated(n_items: int, seed: int) -> tuple[Catalogue, dict[str, Any]]:
    """The synthetic catalogue of one size and the figures that describe it."""
    started = time.perf_counter()
    catalogue = synthetic_catalogue(n_items, seed)
    out: dict[str, Any] = {
        "items": n_items,
        "seed": seed,
        "generate_s": round(time.perf_counter() - started, 2),
        "ratings": len(catalogue.ratings),
        "users": int(catalogue.ratings["user_id"].nunique()),
        "facts": len(catalogue.facts),
    }
    return catalogue, out


def probe(
    n_items: int, seed: int, full_up_to: int, sample: int, vector_sample: int, requests: int, heap_mb: int
) -> dict[str, Any]:
    """Every figure of one size (see the module docstring)."""
    baseline = rss_mb()
    catalogue, out = _generated(n_items, seed)
    params = cf_params()
    measured = n_items <= full_up_to
    worker = build_worker(catalogue, params, train=measured, baseline=baseline)
    out["memory_mb"], out["build_s"] = worker.memory, worker.seconds
    out["snapshot"] = {
        "movies": len(worker.snapshot),
        "entities": len(worker.snapshot.movies_of),
        "links": sum(len(v) for v in worker.snapshot.links.values()),
    }
    out["ranker"] = time_ranker(worker, n=requests, seed=seed)
    with tempfile.TemporaryDirectory(prefix="parley-scale-disk-") as tmp:  # the same requests
        reqs = profiles(worker, requests + 3, seed)
        out["disk"] = disk_figures(catalogue, worker.items, worker.models, reqs, Path(tmp), compare=True)
    liked = [list(p.liked_items) for p in profiles(worker, 30, seed + 1)]
    cf_real_mb = model_mb(worker.models)
    knn_full = knn_items(catalogue, params)
    cf_seconds = worker.seconds["cf"]
    del worker
    m = n_items if measured else min(sample, n_items)
    part = catalogue if measured else catalogue.subset(set(range(1, m + 1)))
    liked_part = [[i for i in ids if i <= m] or [1] for ids in liked]
    cf: dict[str, Any] = {"knn_items": knn_full, "knn_matrix_mb": round(knn_full**2 * 8 / 1e6, 1)}
    if measured:
        cf |= {"seconds": cf_seconds, "how": MEASURED, "mb": cf_real_mb, "mb_how": COMPUTED}
    else:
        fits = cf_sample_fits(part, params)
        svd = fits["svd_s"] * len(catalogue.ratings) / max(1, fits["ratings"])
        knn = fits["knn_s"] * (knn_full / max(1, fits["knn_items"])) ** 2
        cf |= {"sample": fits, "seconds": round(svd + knn, 1), "svd_s": round(svd, 1), "knn_s": round(knn, 1)}
        cf |= {"how": EXTRAPOLATED, "mb": cf_real_mb, "mb_how": COMPUTED}
    out["cf"] = cf
    units = out["snapshot"]["movies"] + out["snapshot"]["entities"] + out["snapshot"]["links"]
    v = min(n_items, vector_sample)  # embedding is the slowest build on CPU: a smaller sample
    texts = part if v == m else part.subset(set(range(1, v + 1)))
    with tempfile.TemporaryDirectory(prefix="parley-scale-") as tmp:
        graph = graph_ingest(part, Path(tmp) / "graph", heap_mb, liked_part)
        vectors = vector_ingest(texts, Path(tmp), [[i for i in ids if i <= v] or [1] for ids in liked])
    out["graph"] = graph | _scaled(graph, units / max(1, graph["units"]), measured, ("seconds", "mb"))
    out["vectors"] = vectors | _scaled(vectors, n_items / v, v == n_items, ("seconds", "mb"))
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def probe_on_disk(n_items: int, seed: int, requests: int) -> dict[str, Any]:
    """Only the on-disk worker (``tools.scale_disk``), for a size whose in-memory worker does not
    fit here: the catalogue, the item table and a CF model of the trained shape are built in this
    process and written to disk (the table and model also rank the in-memory comparison)."""
    catalogue, out = _generated(n_items, seed)
    out["disk_only"] = True
    models = trained_shape_model(catalogue, cf_params())
    reqs = request_profiles(models, catalogue, requests + 3, seed)
    started = time.perf_counter()
    table = ItemTable.from_catalogue(catalogue)
    out["item_table_s"] = round(time.perf_counter() - started, 2)
    with tempfile.TemporaryDirectory(prefix="parley-scale-disk-") as tmp:
        out["disk"] = disk_figures(catalogue, table, models, reqs, Path(tmp), compare=True)
    out["cf"] = {"mb": model_mb(models), "mb_how": COMPUTED}
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _scaled(found: dict[str, Any], factor: float, measured: bool, keys: tuple[str, ...]) -> dict[str, Any]:
    """The figures for the whole catalogue: as measured, or a sample's scaled linearly by ``factor``."""
    if measured:
        return {"how": MEASURED}
    return (
        {"how": EXTRAPOLATED, "factor": round(factor, 2)}
        | {f"sample_{k}": found[k] for k in keys}
        | {k: round(found[k] * factor, 1) for k in keys}
    )


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.scale_probe", description=__doc__)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full-up-to", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--vector-sample", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--heap-mb", type=int, default=1024)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--disk-only", action="store_true", help="only the on-disk worker")
    args = parser.parse_args(argv)
    if args.disk_only:
        found = probe_on_disk(args.items, args.seed, args.requests)
    else:
        found = probe(
            args.items,
            args.seed,
            args.full_up_to,
            args.sample,
            args.vector_sample,
            args.requests,
            args.heap_mb,
        )
    args.out.write_text(json.dumps(found, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
