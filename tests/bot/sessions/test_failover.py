"""SIGKILL of a worker under load: two workers over one PostgreSQL database — a real ``parley serve``
subprocess and an in-process app — answer conversations whose turns and feedback alternate between
them; the subprocess is killed mid-load. Every acknowledged message and feedback event is in the
database afterwards, each conversation continues on the surviving worker, and the killed worker's
log never carried a message's text."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from typing import Any

import httpx
import psycopg
import pytest

from bot.recommender import Recommender
from bot.reliability.local_server import LocalServer
from bot.sessions.local_postgres import LocalPostgres
from bot.sessions.postgres import PostgresSessionStore
from bot.settings import Settings
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import EmbeddedGraphServer
from tests.fixtures.graph import TEST_DATABASE
from tests.reliability.served_state import ServeProcess, build_state
from tools.engine import Toolbox

CONVERSATIONS = 6
TURNS = 8
SECRET = "k" * 64


def _message(conversation: int, turn: int) -> str:
    return (
        f"conversation {conversation} turn {turn}: a tense heist film like Heat, zebra{conversation}x{turn}"
    )


def _stored(url: str) -> tuple[dict[str, list[tuple[str, str]]], Counter[tuple[str, int, str]]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT session_id, role, text FROM messages ORDER BY session_id, seq").fetchall()
        feedback = conn.execute("SELECT session_id, item_id, kind FROM feedback").fetchall()
    messages: dict[str, list[tuple[str, str]]] = {}
    for sid, role, text in rows:
        messages.setdefault(sid, []).append((role, text))
    return messages, Counter((s, int(i), k) for s, i, k in feedback)


@pytest.mark.timeout(600)
def test_sigkill_of_a_worker_mid_load_loses_no_acknowledged_message(
    postgres: LocalPostgres,
    toolbox: Toolbox,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_server: EmbeddedGraphServer,
    graph_store: object,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = postgres.database("failover")
    root = tmp_path_factory.mktemp("failover")
    state = build_state(root, small_catalogue, cf_models, graph_server, TEST_DATABASE)
    env = {
        **state.env,
        "PARLEY_SESSION_STORE": "postgresql",
        "PARLEY_DATABASE_URL": url,
        "PARLEY_WORKERS": "2",
        "PARLEY_UI_SECRET": SECRET,
    }
    killed = ServeProcess(dataclasses.replace(state, env=env), root / "serve.log")
    killed.start()
    settings = Settings(state_dir=root, data_dir=root, rate_limit_per_minute=0, workers=2, ui_secret=SECRET)
    survivor_rec = Recommender(toolbox, None, PostgresSessionStore(url, pool_size=8))
    survivor = LocalServer(build_app_for(survivor_rec, settings))
    urls = [killed.url, survivor.start()]
    acked_messages: dict[str, list[str]] = {}
    acked_feedback: Counter[tuple[str, int, str]] = Counter()
    on_killed = threading.Semaphore(0)
    lock = threading.Lock()
    items = sorted(toolbox.items.rows)

    def converse(c: int) -> None:
        sid = f"failover-{c}"
        with httpx.Client(timeout=60) as http:
            for turn in range(TURNS):
                target = (c + turn) % 2
                text = _message(c, turn)
                try:
                    reply = http.post(f"{urls[target]}/api/chat", json={"session_id": sid, "message": text})
                except httpx.HTTPError:
                    continue  # the killed worker: not acknowledged
                if reply.status_code == 200:
                    with lock:
                        acked_messages.setdefault(sid, []).append(text)
                    if target == 0:
                        on_killed.release()
                item = items[(c * TURNS + turn) % len(items)]
                try:
                    done = http.post(
                        f"{urls[1 - target]}/api/feedback",
                        json={"session_id": sid, "item_id": item, "kind": "like"},
                    )
                except httpx.HTTPError:
                    continue
                if done.status_code == 200:
                    with lock:
                        acked_feedback[(sid, item, "like")] += 1

    threads = [threading.Thread(target=converse, args=(c,)) for c in range(CONVERSATIONS)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(CONVERSATIONS):  # mid-load: once the subprocess has answered a few turns
            assert on_killed.acquire(timeout=120)
        killed.kill()
        for thread in threads:
            thread.join(300)
        messages, feedback = _stored(url)
        assert sum(len(v) for v in acked_messages.values()) > CONVERSATIONS
        for sid, texts in acked_messages.items():
            stored = messages.get(sid, [])
            assert [r for r, _ in stored] == ["user", "assistant"] * (len(stored) // 2)  # whole turns only
            assert Counter(texts) <= Counter(t for r, t in stored if r == "user"), sid
        assert acked_feedback <= feedback
        with httpx.Client(timeout=60) as http:  # every conversation continues on the survivor
            for sid in acked_messages:
                before = len(messages[sid]) // 2
                reply = http.post(f"{urls[1]}/api/chat", json={"session_id": sid, "message": "one more"})
                assert reply.status_code == 200, reply.text
                assert reply.json()["profile"]["turns"] == before + 1
        log = (root / "serve.log").read_text(encoding="utf-8", errors="replace")
        assert "zebra" not in log  # no message text in the killed worker's log
    finally:
        killed.kill()
        survivor.stop()
        survivor_rec.store.close()


def build_app_for(recommender: Recommender, settings: Settings) -> Any:
    from bot.ui import build_app

    return build_app(recommender, settings)
