"""``parley bench ingest``: build times of each store (cold and warm), graph start-up, on-disk sizes,
and point-lookup / shared-neighbour latencies. Prints figures; asserts nothing."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bot.settings import Settings, store_config
from tools.ingest import ingest
from tools.stores import Stores
from tools.timing import percentiles


def _size_mb(path: Path) -> float:
    return (
        round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)
        if path.exists()
        else 0.0
    )


def _percentiles(samples: list[float]) -> str:
    found = percentiles(samples)
    return f"p50 {found['p50']:.1f} ms, p95 {found['p95']:.1f} ms (n={len(samples)})"


def run_ingest_bench(stores: Stores, settings: Settings) -> int:
    stores.close()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        config = store_config(
            settings.model_copy(update={"state_dir": Path(tmp), "graph_bolt_port": 0, "graph_http_port": 0})
        )
        bench = Stores(config)
        started = time.perf_counter()
        bench.start_graph_server()
        print(f"graph server start-up: {time.perf_counter() - started:.1f} s")
        try:
            cold = ingest(bench, log=lambda m: None)
            print(f"cold build (s): {cold.seconds}  (vectors embedded: {cold.details['vectors_embedded']})")
            warm = ingest(bench, log=lambda m: None)
            print(f"warm re-ingest (s): {warm.seconds}")
            for name in ("graph", "chroma", "cf", "embeddings"):
                print(f"on disk {name}: {_size_mb(Path(tmp) / name)} MB")
            graph = bench.graph()
            ids = random.Random(0).sample(sorted(bench.catalogue().items), 200)
            lookups, neighbours = [], []
            for item_id in ids:
                t0 = time.perf_counter()
                graph.movie(item_id)
                lookups.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                graph.shared_neighbours([item_id], limit=20)
                neighbours.append((time.perf_counter() - t0) * 1000)
            print(f"point lookup: {_percentiles(lookups)}")
            print(f"shared-neighbour query: {_percentiles(neighbours)}")
        finally:
            bench.close(stop_server=True)
    return 0
