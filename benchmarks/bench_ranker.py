"""Benchmark of the ranker and each candidate source on the built stores (``parley ingest`` first).

Prints p50/p95 wall-clock latency (and CPU time per call, which a busy machine does not inflate) of
every source and of the whole ranker (gather + fuse + MMR + graph explanations, k=5) over ``--n``
varied profiles (seeded): 1-3 liked movies from the 1,000 most rated, sometimes a disliked one,
a wanted or excluded genre, a year bound, or a described wish. Run it on an otherwise idle machine.

    .venv/bin/python benchmarks/bench_ranker.py [--n 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.settings import Settings, store_config
from retrieval.graph import GraphSnapshot
from tools.engine import Toolbox
from tools.profile import PreferenceProfile
from tools.stores import Stores
from tools.timing import percentile

WISHES = (
    "a slow, melancholic film set in Tokyo",
    "something funny for a rainy Sunday",
    "a clever heist with a twist",
    "dark psychological thriller",
    "feel-good story about friendship",
)
GENRES = ("Comedy", "Drama", "Thriller", "Sci-Fi", "Horror", "Romance", "Action", "Animation")


def profiles(toolbox: Toolbox, n: int, seed: int) -> list[PreferenceProfile]:
    rng = random.Random(seed)
    popular = sorted(toolbox.items.rows.values(), key=lambda r: -r.popularity)[:1000]
    out = []
    for i in range(n):
        liked = tuple(r.item_id for r in rng.sample(popular, rng.randint(1, 3)))
        extra: dict[str, object] = {}
        if i % 4 == 1:
            extra["disliked_items"] = (rng.choice(popular).item_id,)
        if i % 5 == 2:
            extra["genres_in"] = (rng.choice(GENRES),)
        if i % 5 == 3:
            extra["genres_out"] = (rng.choice(GENRES),)
        if i % 6 == 4:
            extra["year_min"] = rng.choice((1980, 1990, 2000))
        if i % 3 == 0:
            extra["description"] = rng.choice(WISHES)
        out.append(PreferenceProfile.model_validate({"liked_items": liked, **extra}))
    return out


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0


def line(name: str, walls: list[float], cpus: list[float]) -> str:
    return (
        f"{name:<12} wall p50 {percentile(walls, 0.5):7.1f} p95 {percentile(walls, 0.95):7.1f} ms   "
        f"cpu p50 {percentile(cpus, 0.5):7.1f} p95 {percentile(cpus, 0.95):7.1f} ms   mean {statistics.fmean(walls):7.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    stores = Stores(store_config(Settings()))
    toolbox = Toolbox(stores)
    graph = stores.graph()
    snapshot_s = timed(lambda: GraphSnapshot.read(lambda q: graph.run_read(q, max_rows=10**9)))[0] / 1000.0
    cases = profiles(toolbox, args.n, args.seed)
    toolbox.ranker.rank(cases[0], k=5)  # warm-up
    per_source: dict[str, tuple[list[float], list[float]]] = {s.name: ([], []) for s in toolbox.sources}
    cold_cases = profiles(toolbox, args.n, args.seed + 1)  # liked sets no source has seen yet
    cold: tuple[list[float], list[float]] = ([], [])
    warm: tuple[list[float], list[float]] = ([], [])
    pool = toolbox.ranker.weights.pool
    for profile in cases:
        for source in toolbox.sources:
            wall, cpu = timed(partial(source.candidates, profile, pool))
            per_source[source.name][0].append(wall)
            per_source[source.name][1].append(cpu)
    for runs, batch in ((cold, cold_cases), (warm, cases)):
        for profile in batch:
            wall, cpu = timed(partial(toolbox.ranker.rank, profile, k=5))
            runs[0].append(wall)
            runs[1].append(cpu)
    print(
        f"{len(cases)} profiles, pool {pool}, k=5; graph snapshot read in {snapshot_s:.2f} s (start-up, once)"
    )
    for name, (walls, cpus) in per_source.items():
        print(line(name, walls, cpus))
    print(line("ranker cold", *cold) + "   (liked set new to the caches: a turn that adds a like)")
    print(line("ranker warm", *warm) + "   (liked set seen before: a follow-up turn)")
    stores.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
