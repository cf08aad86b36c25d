"""Run the whole hostile corpus through the Python API and the HTTP API and print the figures.

    python scripts/hostile.py [--seed 7] [--limit N] [--skip-python] [--skip-http]

Uses the stores of the current settings (``PARLEY_STATE_DIR``...; build them with ``parley ingest``)
with the template writer (``PARLEY_LLM`` is forced to ``none``). The HTTP API is served by uvicorn on
127.0.0.1 (a free port) in this process. Prints: inputs tried, crashes, 5xx, graph node/relationship
count changes, Chroma collection size change, system-prompt echoes, sessions unusable afterwards.
Exit status 0 when everything is 0."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.reliability.hostile_checks import (
    Tally,
    poster,
    prompt_markers,
    run_http,
    run_python,
    store_counts,
)
from bot.reliability.hostile_corpus import SEED, corpus
from bot.reliability.local_server import LocalServer
from bot.settings import Settings, offline_environment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--limit", type=int, default=0, help="only the first N inputs (0 = all)")
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    offline_environment()
    os.environ["PARLEY_LLM"] = "none"
    import httpx

    from bot.recommender import Recommender
    from bot.ui import build_app

    settings = Settings(llm="none", rate_limit_per_minute=0)
    recommender = Recommender.from_settings(settings)
    stores = recommender.toolbox.stores
    items = corpus(args.seed)
    if args.limit:
        items = items[: args.limit]
    markers = prompt_markers()
    before = store_counts(stores.graph(), stores.vectors())
    print(f"corpus: {len(items)} inputs (seed {args.seed}); stores before: {before}", flush=True)
    tallies: list[Tally] = []
    started = time.perf_counter()
    if not args.skip_python:
        tallies.append(run_python(recommender, items, markers))
        print(tallies[-1].summary(), f"({time.perf_counter() - started:.0f} s)", flush=True)
    if not args.skip_http:
        with (
            LocalServer(build_app(recommender, settings)) as url,
            httpx.Client(base_url=url, timeout=60) as client,
        ):
            tallies.append(run_http(poster(client), items, markers, prefix=f"hostile-{int(time.time())}"))
        print(tallies[-1].summary(), f"({time.perf_counter() - started:.0f} s)", flush=True)
    after = store_counts(stores.graph(), stores.vectors())
    changes = {key: after[key] - before[key] for key in before}
    print(f"stores after: {after}; changes: {changes}")
    for tally in tallies:
        for failure in tally.failures[:20]:
            print(f"  {tally.api}: {failure}")
    recommender.close()
    bad = any(changes.values()) or not all(t.ok for t in tallies)
    print("RESULT:", "FAIL" if bad else "all 0")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
