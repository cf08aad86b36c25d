"""Benchmark of the vector store and the collaborative-filtering models on the bundled catalogue.

    .venv/bin/python benchmarks/bench_cf_vectors.py [--cold-limit N] [--queries N]

Prints: Chroma build time cold (no embedding cache: every document through MiniLM), warm (vectors
from the shipped cache data/embeddings, fresh collection) and a no-change rebuild; CF training time
and held-out RMSE for SVD and KNNBaseline; on-disk sizes; p50/p95 latency of filtered vector queries.
``--cold-limit N`` embeds only a random sample of N documents cold and extrapolates (the full cold build takes
minutes on a laptop CPU).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from retrieval.catalogue import load_catalogue  # noqa: E402
from retrieval.cf import CFModels, CFParams, IdIndex  # noqa: E402
from retrieval.cf.training import evaluate, fit_knn, fit_svd, ratings_frame  # noqa: E402
from retrieval.vectors import VectorStore, load_model  # noqa: E402
from tools.timing import percentile  # noqa: E402

SHIPPED = ROOT / "data" / "embeddings"
QUERIES = [
    "a heist that goes wrong",
    "a toy cowboy doll feels threatened by a new space ranger toy",
    "lonely robot on an abandoned earth",
    "courtroom drama about a wrongful conviction",
    "road trip comedy with two friends",
    "haunted house horror",
    "space opera with rebels fighting an empire",
    "coming of age story in a small town",
]


class Filters(TypedDict, total=False):
    year_min: int
    year_max: int
    genres_in: list[str]
    genres_out: list[str]
    exclude_ids: list[int]


FILTERS: list[Filters] = [
    {},
    {"year_min": 1990, "year_max": 1999},
    {"genres_in": ["Crime", "Thriller"]},
    {"genres_out": ["Comedy", "Romance"], "year_min": 1980},
    {"genres_in": ["Animation"], "exclude_ids": [1, 2355, 3114]},
]


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def bench_vectors(catalogue_dir: Path, work: Path, cold_limit: int | None, n_queries: int) -> None:
    catalogue = load_catalogue(catalogue_dir)
    n = len(catalogue.items)
    t = time.perf_counter()
    load_model()
    print(f"model load (import + weights): {time.perf_counter() - t:.1f} s")

    cold_catalogue = catalogue
    if cold_limit and cold_limit < n:
        sample = np.random.default_rng(0).choice(sorted(catalogue.items), cold_limit, replace=False)
        cold_catalogue = catalogue.subset({int(i) for i in sample})
    cold = VectorStore.persistent(work / "cold", "items", cache_dir=work / "cold-cache")
    report = cold.build(cold_catalogue, batch_size=512)
    rate = report.embedded / report.seconds if report.seconds else float("nan")
    scale = n / len(cold_catalogue.items)
    note = f" (extrapolated to {n}: {report.seconds * scale:.0f} s)" if scale > 1 else ""
    print(
        f"chroma build COLD : {report.total} docs, {report.embedded} embedded, {report.seconds:.1f} s, {rate:.0f} docs/s{note}"
    )

    warm = VectorStore.persistent(
        work / "warm", "items", cache_dir=work / "warm-cache", seed_cache_dirs=[SHIPPED]
    )
    report = warm.build(catalogue, batch_size=512)
    print(
        f"chroma build WARM : {report.total} docs, {report.embedded} embedded, {report.seconds:.1f} s (shipped cache)"
    )
    report = warm.build(catalogue, batch_size=512)
    print(f"chroma rebuild (no change): {report.unchanged} unchanged, {report.seconds:.2f} s")

    text_times, vector_times = [], []
    vectors = {q: warm.embed_query(q) for q in QUERIES}
    for i in range(n_queries):
        q, f = QUERIES[i % len(QUERIES)], FILTERS[i % len(FILTERS)]
        t = time.perf_counter()
        warm.query(q, k=10, **f)
        text_times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        warm.query(vector=vectors[q], k=10, **f)
        vector_times.append((time.perf_counter() - t) * 1000)
    print(
        f"query k=10 with filters ({n_queries}x): text p50 {percentile(text_times, 0.5):.1f} ms / p95 {percentile(text_times, 0.95):.1f} ms;"
        f" given the vector p50 {percentile(vector_times, 0.5):.1f} ms / p95 {percentile(vector_times, 0.95):.1f} ms"
    )
    print(
        f"on disk: chroma {size_mb(work / 'warm'):.1f} MB, shipped embeddings {size_mb(SHIPPED):.1f} MB, "
        f"cold embedding cache {size_mb(work / 'cold-cache'):.1f} MB"
    )


def bench_cf(catalogue_dir: Path, work: Path) -> None:
    catalogue = load_catalogue(catalogue_dir)
    params = CFParams(reference_knn_rmse=True)
    df = ratings_frame(catalogue.ratings)
    users = IdIndex(np.unique(df["user_id"].to_numpy()))
    items = IdIndex(np.unique(df["item_id"].to_numpy()))
    t = time.perf_counter()
    metrics = evaluate(df, users, items, params)
    print(f"CF held-out evaluation (90/10, seed {params.seed}): {time.perf_counter() - t:.1f} s")
    print(
        f"  SVD          RMSE {metrics['svd_rmse']:.4f}  ({params.svd_factors} factors, {params.svd_epochs} epochs)"
    )
    print(
        f"  KNNBaseline  RMSE {metrics['knn_rmse']:.4f} as served (top {params.knn_keep_neighbours} neighbours), "
        f"{metrics['knn_rmse_full_similarity']:.4f} Surprise full matrix; "
        f"on {metrics['knn_test_coverage']:.1%} of test rows (items with >= {params.knn_min_item_ratings} ratings);"
        f" SVD on those rows {metrics['svd_rmse_on_knn_rows']:.4f}"
    )
    t = time.perf_counter()
    fit_svd(df, users, items, params)
    print(f"  SVD fit on all {len(df)} ratings: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    fit_knn(df, users, items, params)
    print(f"  KNNBaseline fit on all ratings (+ neighbour extraction): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    models = CFModels.train(catalogue)
    print(f"CFModels.train (evaluate + refit, default params): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    models.save(work / "cf")
    saved = time.perf_counter() - t
    t = time.perf_counter()
    loaded = CFModels.load(work / "cf")
    print(
        f"  save {saved:.2f} s, load {time.perf_counter() - t:.2f} s, on disk {size_mb(work / 'cf'):.1f} MB"
    )
    pairs = [(int(u), int(i)) for u, i in zip(df["user_id"][:20000], df["item_id"][:20000], strict=True)]
    t = time.perf_counter()
    for u, i in pairs:
        loaded.predict_user(u, i)
    svd_us = (time.perf_counter() - t) / len(pairs) * 1e6
    knn_pairs = [(u, i) for u, i in pairs[:5000] if loaded.knn.knows_item(loaded.item_inner(i))]
    t = time.perf_counter()
    for u, i in knn_pairs:
        loaded.predict_user(u, i, "knn")
    knn_us = (time.perf_counter() - t) / len(knn_pairs) * 1e6
    print(f"  predict_user: SVD {svd_us:.0f} µs, KNN {knn_us:.0f} µs per call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=ROOT / "data")
    parser.add_argument("--cold-limit", type=int, default=None)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-vectors", action="store_true")
    args = parser.parse_args()
    print(f"CPU cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        work = Path(tmp)
        bench_cf(args.catalogue, work)
        if not args.skip_vectors:
            bench_vectors(args.catalogue, work, args.cold_limit, args.queries)


if __name__ == "__main__":
    main()
