"""Concurrent load through the HTTP API: errors, cross-session leaks, p50/p95 latency.

    python scripts/load.py [--sessions 50] [--turns 10] [--llm none|embedded] [--url http://127.0.0.1:7860]

Without ``--url`` the web app is started in this process (uvicorn on 127.0.0.1, a free port) over the
stores of the current settings (``PARLEY_STATE_DIR``...; ``parley ingest`` builds them); ``--llm
embedded`` uses the embedded model (default 5 sessions then). Loopback only; bounded by ``--max-seconds``.
Exit status 0 when there were no errors and no leaks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.reliability.load_run import run_load
from bot.reliability.local_server import LocalServer
from bot.settings import Settings, offline_environment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=None, help="default 50 (5 with --llm embedded)")
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--llm", choices=["none", "embedded"], default="none")
    parser.add_argument("--url", help="a running Parley on loopback (default: start one here)")
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--request-timeout", type=float, default=120, help="seconds per HTTP request")
    args = parser.parse_args()
    sessions = args.sessions or (5 if args.llm == "embedded" else 50)
    offline_environment()
    server = None
    url = args.url
    if url is None:
        from bot.recommender import Recommender
        from bot.ui import build_app

        settings = Settings(llm=args.llm)
        recommender = Recommender.from_settings(settings)
        server = LocalServer(build_app(recommender, settings))
        url = server.start()
        print(f"serving {url} (llm={args.llm}, ui_concurrency={settings.ui_concurrency})", flush=True)
    report = run_load(
        url, sessions=sessions, turns=args.turns, max_seconds=args.max_seconds, timeout_s=args.request_timeout
    )
    if server is not None:
        server.stop()
    print(report.summary())
    for line in (report.errors + report.leaks)[:20]:
        print("  ", line)
    return 1 if report.errors or report.leaks else 0


if __name__ == "__main__":
    sys.exit(main())
