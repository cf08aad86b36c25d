"""Scale-out load run: N ``parley serve`` workers over one PostgreSQL, behind a round-robin front.

    python scripts/workers.py [--workers 2] [--sessions 50] [--turns 10]

Starts a throwaway PostgreSQL cluster (Debian's server binaries), then for 1 worker and for
``--workers`` workers: that many ``parley serve`` subprocesses (template writer, the stores of the
current settings: ``parley ingest`` builds them; run ``parley graph start`` first for the embedded
graph) on free loopback ports, a round-robin HTTP front in this process (``bot.reliability.front``),
and ``run_load`` (the same drill as ``scripts/load.py``: errors, cross-session leaks, lost messages,
p50/p95). Prints both runs and the p95 ratio. Exit status 0 when neither run had an error, a leak or
a lost message."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.reliability.front import RoundRobinFront  # noqa: E402
from bot.reliability.load_run import LoadReport, run_load  # noqa: E402
from bot.reliability.local_server import LocalServer, free_port  # noqa: E402
from bot.sessions.local_postgres import LocalPostgres  # noqa: E402
from bot.settings import offline_environment  # noqa: E402


def start_workers(
    count: int, env: dict[str, str], logs: Path
) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    procs, urls = [], []
    for n in range(count):
        port = free_port()
        with (logs / f"worker{n}.log").open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cli", "serve", "--port", str(port)],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 600
    for proc, url in zip(procs, urls, strict=True):
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {url} did not start; see {logs}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
    return procs, urls


def lost_messages(url: str, expected_turns: int) -> int:
    """Turns missing from the database (acknowledged ones: the run had no error) plus conversations whose
    stored history is not whole turns (user, assistant pairs)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT session_id, string_agg(role, ',' ORDER BY seq) FROM messages GROUP BY 1")
        histories = [str(roles).split(",") for _, roles in rows]
    broken = sum(1 for h in histories if h != ["user", "assistant"] * (len(h) // 2))
    stored = sum(len(h) // 2 for h in histories)
    return broken + max(0, expected_turns - stored)


def one_run(pg: LocalPostgres, workers: int, args: argparse.Namespace, logs: Path) -> tuple[LoadReport, int]:
    url = pg.database(f"load{workers}")
    env = {
        **os.environ,
        "PARLEY_LLM": "none",
        "PARLEY_SESSION_STORE": "postgresql",
        "PARLEY_DATABASE_URL": url,
        "PARLEY_WORKERS": str(workers),
        "PARLEY_UI_SECRET": os.environ.get("PARLEY_UI_SECRET", "load-run-" + "x" * 48),
        "PARLEY_RATE_LIMIT_PER_MINUTE": "0",
    }
    procs, urls = start_workers(workers, env, logs)
    try:
        with LocalServer(RoundRobinFront(urls)) as front:
            report = run_load(front, sessions=args.sessions, turns=args.turns, max_seconds=args.max_seconds)
        return report, lost_messages(url, args.sessions * args.turns if not report.errors else 0)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--max-seconds", type=float, default=1500)
    args = parser.parse_args()
    offline_environment()
    logs = Path(os.environ.get("PARLEY_STATE_DIR", ROOT / ".state")) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    failed = False
    p95: dict[int, float] = {}
    from tools.timing import percentile

    with LocalPostgres() as pg:
        for count in sorted({1, args.workers}):
            report, lost = one_run(pg, count, args, logs)
            p95[count] = percentile(report.chat_ms, 0.95)
            print(
                f"{count} worker(s): {report.summary()}; {lost} conversations with lost messages", flush=True
            )
            failed |= bool(report.errors or report.leaks or lost)
    if len(p95) == 2:
        print(f"p95 with {args.workers} workers / p95 with 1 worker = {p95[args.workers] / p95[1]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
