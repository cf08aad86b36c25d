"""``parley bench chat``: per-turn latency of the recommender on the configured backend, printed.

For each turn of a fixed set of varied dialogues: time until the recommendation list is available
(the ``RecommendationsEvent`` of ``Session.stream``; a question turn counts when its reply is done),
total reply time, and for every LLM call of the turn its prompt tokens, generated tokens, time to
first token and total time ("n/a" where the backend does not report one). Prints one line per turn
and p50/p95 summaries. Sessions are stored in a temporary SQLite file, away from real users'
sessions.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bot.llm.metering import CallRecord, MeteredBackend
from bot.recommender import Recommender, Session
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from bot.types import DoneEvent, RecommendationsEvent
from tools.timing import ms_since, percentiles

DIALOGUES: tuple[tuple[str, ...], ...] = (
    ("I loved Heat, something similar please", "another one", "something older, from the 80s"),
    ("Anything by Kathryn Bigelow?", "why the first one?"),
    ("I want a slow, melancholic film set in Tokyo",),
    ("I like comedies but no romance please", "more like the second one"),
    ("Toy Story and Finding Nemo were great", "nothing animated this time"),
    ("Something with Tom Hanks, but not a war film",),
    ("I hated Titanic. I loved Alien and The Thing.", "seen it"),
    ("a clever heist movie with a twist",),
    ("Pulp Fiction, Fargo and Reservoir Dogs", "only films after 2000"),
    ("recommend me a good documentary",),
)


def _line(label: str, samples: list[float]) -> str:
    found = percentiles(samples)
    return (
        f"{label:<28} p50 {found['p50']:8.1f} ms   p95 {found['p95']:8.1f} ms"
        f"   max {max(samples, default=0.0):8.1f} ms   (n={len(samples)})"
    )


def _call_text(call: CallRecord) -> str:
    """One LLM call: tokens and time to first token, "n/a" where the backend did not report them
    (no call has zero prompt tokens; the OpenAI-compatible backend does not time the first token)."""
    tokens = f"{call.prompt_tokens}+{call.completion_tokens}" if call.prompt_tokens else "n/a"
    ttft = f"{call.first_token_ms:.0f} ms" if call.first_token_ms is not None else "n/a"
    return f"{call.method} {tokens} tok ttft {ttft} total {call.total_ms:.0f} ms"


def run_chat_bench(settings: Settings, turns: int) -> int:
    base = Recommender.from_settings(settings)
    llm = MeteredBackend(base.llm) if base.llm is not None else None
    with tempfile.TemporaryDirectory(prefix="parley-bench-chat-") as tmp:
        rec = base.with_options(store=SqliteSessionStore(Path(tmp) / "sessions.sqlite3"), llm=llm)
        print(f"[bench chat] backend={settings.llm} agent_mode={settings.agent_mode} "
              f"llm_extractor={settings.llm_extractor} turns={turns}")  # fmt: skip
        rec.new_session().respond("I loved Heat")  # warm-up (caches, model load), not counted
        list_ms: list[float] = []
        total_ms: list[float] = []
        done = 0
        while done < turns:
            for dialogue in DIALOGUES:
                session = rec.new_session()
                for message in dialogue:
                    if done >= turns:
                        break
                    list_ms_turn, total = _turn(session, message, list_ms)
                    total_ms.append(total)
                    done += 1
                    calls = llm.records if llm is not None else []
                    llm_text = "; ".join(_call_text(c) for c in calls)
                    print(f"turn {done:3d}  list {list_ms_turn:8.1f} ms  reply {total:8.1f} ms  "
                          f"{message[:40]!r:44} {llm_text}")  # fmt: skip
                    if llm is not None:
                        llm.records.clear()
        print(_line("recommendation list", list_ms))
        print(_line("full reply", total_ms))
    base.close()
    return 0


def _turn(session: Session, message: str, list_ms: list[float]) -> tuple[float, float]:
    started = time.perf_counter()
    first_list: float | None = None
    for event in session.stream(message):
        if isinstance(event, RecommendationsEvent) and first_list is None:
            first_list = ms_since(started)
        if isinstance(event, DoneEvent):
            break
    total = ms_since(started)
    list_ms.append(first_list if first_list is not None else total)
    return list_ms[-1], total
