"""Concurrent sessions over the HTTP API: errors, cross-session leaks and latency.

``run_load(url, sessions, turns)`` drives ``sessions`` conversations at once (one thread each), each
``turns`` chat turns plus a feedback event after each of the first two replies. Every session has its
own favourite film. A liked item that the session's own first message, feedback and recommendations
("more like that") do not explain is a leak when it belongs to another session, else it is counted as
``unexplained`` (extraction noise of the session's own text); a reply carrying another session's id is
a leak. Used by ``scripts/load.py`` and ``tests/reliability/test_load.py``. Loopback only, bounded in
requests and time.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx

from tools.timing import percentile

FAVOURITES = [
    "Heat", "Collateral", "The Insider", "Manhunter", "The Last of the Mohicans", "Miami Vice",
    "Public Enemies", "The Hurt Locker", "Zero Dark Thirty", "Point Break", "Strange Days", "Near Dark",
    "Blue Steel", "The Usual Suspects", "Pulp Fiction", "Reservoir Dogs", "L.A. Confidential",
    "The Departed", "No Country for Old Men", "Sicario", "Fargo", "The French Connection",
    "The Untouchables", "The Sound of Music", "Grease", "Singin' in the Rain", "West Side Story",
    "Mary Poppins", "The Wizard of Oz", "La La Land", "Moulin Rouge", "My Fair Lady", "Cabaret",
    "Blade Runner", "Alien", "The Matrix", "Inception", "Interstellar", "Arrival", "The Terminator",
    "Toy Story", "The Lion King", "Finding Nemo", "Ratatouille", "Spirited Away", "The Graduate",
    "Oklahoma!", "The Music Man", "Star Wars", "My Neighbor Totoro", "2001: A Space Odyssey",
    "Blackhat", "K-19: The Widowmaker", "WALL·E",
]  # fmt: skip
FOLLOW_UPS = [
    "something a bit darker",
    "another one please",
    "more like that",
    "nothing too long",
    "what else?",
    "any others?",
    "something newer",
    "surprise me",
    "one more",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadReport:
    sessions: int
    turns: int
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # liked by extraction noise, in no other session
    chat_ms: list[float] = field(default_factory=list)
    feedback_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.sessions} sessions x {self.turns} turns: {self.requests} requests in {self.seconds:.1f} s, "
            f"{len(self.errors)} errors, {len(self.leaks)} cross-session leaks "
            f"({len(self.unexplained)} likes from a session's own text it did not ask for); chat latency "
            f"p50 {percentile(self.chat_ms, 0.5):.0f} ms, p95 {percentile(self.chat_ms, 0.95):.0f} ms, "
            f"max {max(self.chat_ms, default=0):.0f} ms; feedback p50 {percentile(self.feedback_ms, 0.5):.0f} ms, "
            f"p95 {percentile(self.feedback_ms, 0.95):.0f} ms; statuses {dict(sorted(self.statuses.items()))}"
        )


def run_load(
    url: str, sessions: int = 50, turns: int = 10, max_seconds: float = 900, timeout_s: float = 120
) -> LoadReport:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"the load test runs against loopback only, not {host!r}")
    report = LoadReport(sessions=sessions, turns=turns)
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=sessions + 4, max_keepalive_connections=sessions + 4)
    run_id = f"{int(time.time() * 1000):x}"
    owned: dict[str, set[int]] = {}  # per session: what its own messages, feedback and replies explain
    stray: dict[str, list[tuple[str, set[int]]]] = {}  # per session: (where, liked items not explained)

    def record(kind: str, started: float, status: int) -> None:
        with lock:
            report.requests += 1
            report.statuses[status] = report.statuses.get(status, 0) + 1
            (report.chat_ms if kind == "chat" else report.feedback_ms).append(
                (time.perf_counter() - started) * 1000
            )

    def one(client: httpx.Client, index: int) -> None:
        sid = f"load-{run_id}-{index}"
        own: set[int] = set()
        owned[sid] = own
        messages = [f"I loved {FAVOURITES[index % len(FAVOURITES)]}"]
        messages += [FOLLOW_UPS[(index + t) % len(FOLLOW_UPS)] for t in range(turns - 1)]
        for turn, message in enumerate(messages):
            if time.monotonic() > deadline:
                with lock:
                    report.errors.append(f"{sid}: out of time before turn {turn + 1}")
                return
            started = time.perf_counter()
            try:
                response = client.post("/api/chat", json={"session_id": sid, "message": message})
            except httpx.HTTPError as error:
                with lock:
                    report.errors.append(f"{sid} turn {turn + 1}: {type(error).__name__}: {error}")
                return
            record("chat", started, response.status_code)
            if response.status_code != 200:
                with lock:
                    report.errors.append(
                        f"{sid} turn {turn + 1}: HTTP {response.status_code} {response.text[:200]}"
                    )
                continue
            reply: dict[str, Any] = response.json()
            liked = set(reply["profile"]["liked_items"])
            if turn == 0:
                own |= liked
            if reply.get("session_id") != sid:
                with lock:
                    report.leaks.append(f"{sid} turn {turn + 1}: a reply for {reply.get('session_id')!r}")
            if not liked <= own:
                stray.setdefault(sid, []).append((f"turn {turn + 1}", liked - own))
            recs = reply.get("recommendations") or []
            own |= {int(r["item_id"]) for r in recs}  # "more like that" may like what it was shown
            if turn < 2 and recs:
                item_id = int(recs[0]["item_id"])
                kind = "like" if turn == 0 else "seen"
                started = time.perf_counter()
                fb = client.post("/api/feedback", json={"session_id": sid, "item_id": item_id, "kind": kind})
                record("feedback", started, fb.status_code)
                if fb.status_code != 200:
                    with lock:
                        report.errors.append(f"{sid} feedback: HTTP {fb.status_code} {fb.text[:200]}")
                    continue
                if kind == "like":
                    own.add(item_id)
                profile = fb.json()["profile"]
                if not set(profile["liked_items"]) <= own:
                    stray.setdefault(sid, []).append(("feedback", set(profile["liked_items"]) - own))

    started = time.perf_counter()
    with (
        httpx.Client(base_url=url, timeout=timeout_s, limits=limits) as client,
        ThreadPoolExecutor(max_workers=sessions) as pool,
    ):
        for future in [pool.submit(one, client, i) for i in range(sessions)]:
            future.result()
    report.seconds = time.perf_counter() - started
    for sid, found in stray.items():  # foreign = explained by another session only: a leak
        others = set().union(*(items for other, items in owned.items() if other != sid))
        for where, items in found:
            foreign = (items & others) - owned[sid]
            if foreign:
                report.leaks.append(f"{sid} {where}: liked {sorted(foreign)}, another session's items")
            if items - foreign:
                report.unexplained.append(f"{sid} {where}: liked {sorted(items - foreign)}")
    return report
