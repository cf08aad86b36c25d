"""Benchmark of the knowledge graph on the bundled catalogue (ArcadeDB over Bolt).

Prints: server start-up time (fresh and on an existing database), full load time of the
bundled catalogue (first load, unchanged reload, forced full-diff reload), on-disk size, and
p50/p95 latencies (and CPU per call, which a busy machine does not inflate) of a point lookup, a shared-neighbour query (1 and 5 seeds), 2-hop paths and a
person search over varied movies (``--n``, default 200).

    .venv/bin/python benchmarks/bench_graph.py [--data data] [--n 200] [--root DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from retrieval.catalogue import load_catalogue
from retrieval.graph import EmbeddedGraphServer, GraphStore
from tools.timing import percentile


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(label: str, fn: Callable[[Any], object], args: Sequence[Any], server_pid: int | None) -> None:
    """Wall-clock p50/p95, and the mean CPU per call of the server and of this process: on a busy
    machine the wall clock includes waiting for a core, the CPU time does not."""
    for a in args[:5]:  # warm the query plans
        fn(a)
    samples = []
    server0, client0 = cpu_s(server_pid), time.process_time()
    for a in args:
        t0 = time.perf_counter()
        fn(a)
        samples.append((time.perf_counter() - t0) * 1000)
    server_ms = (cpu_s(server_pid) - server0) * 1000 / len(args)
    client_ms = (time.process_time() - client0) * 1000 / len(args)
    samples.sort()
    p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
    print(
        f"{label:<32} n={len(samples):<4} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {samples[-1]:6.1f} ms"
        f"  | CPU/call: server {server_ms:5.1f} ms + client {client_ms:4.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--root", type=Path, default=None, help="server root (default: a fresh temp dir)")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    catalogue = load_catalogue(args.data)
    print(
        f"catalogue: {len(catalogue.items)} items, {len(catalogue.facts)} facts, read in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    with tempfile.TemporaryDirectory(prefix="bench-graph-") as tmp:
        root = args.root or Path(tmp) / "graph"
        server = EmbeddedGraphServer(root, database="bench", heap_mb=1024, start_timeout_s=300)
        server.start()
        print(f"server start-up (fresh root)        {server.startup_s:.2f} s")
        store = GraphStore(server.uri, server.user, server.password, server.database)
        try:
            server0, client0 = cpu_s(server.pid), time.process_time()
            first = store.load(catalogue)
            print(f"full load (first)                   {first.seconds:.1f} s  {first.phases_s}")
            print(
                f"  CPU used by the load: server {cpu_s(server.pid) - server0:.1f} s, "
                f"client {time.process_time() - client0:.1f} s"
            )
            counts = store.counts()
            print(f"graph: {counts['nodes']} nodes, {counts['relationships']} relationships  {counts}")
            again = store.load(catalogue)
            print(f"reload, unchanged (digest check)    {again.seconds:.2f} s  unchanged={again.unchanged}")
            forced = store.load(catalogue, force=True)
            print(f"reload, forced full diff            {forced.seconds:.1f} s  changed={forced.changed}")
            store.close()
            server.stop()
            print(f"on-disk size of the database        {du(root / 'databases') / 1e6:.1f} MB")
            server.start()
            print(f"server start-up (existing database) {server.startup_s:.2f} s")
            store = GraphStore(server.uri, server.user, server.password, server.database)

            rnd = random.Random(7)
            ids = sorted(catalogue.items)
            sample = rnd.sample(ids, min(args.n, len(ids)))
            timed("point lookup movie(id)", store.movie, sample, server.pid)
            timed(
                "shared_neighbours(1 seed, 20)",
                lambda i: store.shared_neighbours([i], 20),
                sample,
                server.pid,
            )
            seeds = [rnd.sample(ids, 5) for _ in range(max(20, args.n // 4))]
            timed(
                "shared_neighbours(5 seeds, 20)", lambda s: store.shared_neighbours(s, 20), seeds, server.pid
            )
            pairs = [(i, c["item_id"]) for i in sample[:50] for c in store.shared_neighbours([i], 1)]
            timed("paths(2 hops)", lambda p: store.paths([p[0]], p[1]), pairs, server.pid)
            people = [p for i in sample[:60] for p in (store.movie(i) or {}).get("directors", [])[:1]]
            timed("movies_by_person(name)", store.movies_by_person, people, server.pid)
            surnames = [p.split()[-1] for p in people]
            timed("find_people(surname)", store.find_people, surnames, server.pid)
        finally:
            store.close()
            server.stop()


if __name__ == "__main__":
    main()
