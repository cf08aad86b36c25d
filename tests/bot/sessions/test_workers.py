"""Two app workers (two web apps on their own loopback ports, each with its own Recommender, session
cache and PostgreSQL pool) over one PostgreSQL database: a conversation whose turns alternate between
them keeps its likes, shown items and history, and concurrent turns and feedback sent to both for one
conversation lose nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.recommender import Recommender
from bot.reliability.local_server import LocalServer
from bot.settings import Settings
from tools.engine import Toolbox

HEAT = 6


class Workers:
    def __init__(self, urls: list[str], recommenders: list[Recommender]) -> None:
        self.urls = urls
        self.recommenders = recommenders
        self.http = httpx.Client(timeout=60)

    def chat(self, n: int, message: str, session_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message}
        if session_id:
            body["session_id"] = session_id
        response = self.http.post(f"{self.urls[n % len(self.urls)]}/api/chat", json=body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def feedback(self, n: int, session_id: str, item_id: int, kind: str = "like") -> dict[str, Any]:
        response = self.http.post(
            f"{self.urls[n % len(self.urls)]}/api/feedback",
            json={"session_id": session_id, "item_id": item_id, "kind": kind},
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def show(self, n: int, session_id: str) -> dict[str, Any]:
        response = self.http.get(f"{self.urls[n % len(self.urls)]}/api/sessions/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def workers(toolbox: Toolbox, postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    from bot.sessions.postgres import PostgresSessionStore
    from bot.ui import build_app

    url = postgres.database("workers")
    state = tmp_path_factory.mktemp("workers-state")
    settings = Settings(
        state_dir=state, data_dir=state, rate_limit_per_minute=0, workers=2, ui_secret="s" * 64
    )
    recommenders = [Recommender(toolbox, None, PostgresSessionStore(url, pool_size=8)) for _ in range(2)]
    servers = [LocalServer(build_app(rec, settings)) for rec in recommenders]
    urls = [server.start() for server in servers]
    yield Workers(urls, recommenders)
    for server in servers:
        server.stop()
    for rec in recommenders:
        rec.store.close()


def test_turns_alternating_between_workers_keep_likes_shown_items_and_history(workers: Workers) -> None:
    first = workers.chat(0, "I loved Heat, something similar please")
    sid = first["session_id"]
    shown = [r["item_id"] for r in first["recommendations"]]
    assert shown and HEAT in first["profile"]["liked_items"]
    liked = shown[0]
    assert liked in workers.feedback(1, sid, liked)["profile"]["liked_items"]  # worker B
    second = workers.chat(0, "another one", sid)  # worker A, whose cached Session is now stale
    assert liked in second["profile"]["liked_items"] and HEAT in second["profile"]["liked_items"]
    again = [r["item_id"] for r in second["recommendations"]]
    assert again and not set(again) & set(shown)  # nothing shown before comes back
    workers.feedback(0, sid, again[0], "dislike")
    third = workers.chat(1, "and another", sid)  # worker B
    assert again[0] in third["profile"]["disliked_items"]
    assert set(shown) | set(again) <= set(third["profile"]["recommended"])
    kept = workers.show(0, sid)
    assert [m["text"] for m in kept["messages"] if m["role"] == "user"] == [
        "I loved Heat, something similar please",
        "another one",
        "and another",
    ]
    assert kept["feedback"] == [{"item_id": liked, "kind": "like"}, {"item_id": again[0], "kind": "dislike"}]
    assert kept["profile"]["turns"] == 3


def test_concurrent_turns_and_feedback_on_both_workers_lose_no_update(
    workers: Workers, toolbox: Toolbox
) -> None:
    sid = workers.chat(0, "I loved Heat, something similar please")["session_id"]
    to_like = [i for i in sorted(toolbox.items.rows) if i != HEAT][:8]
    messages = [f"another one, number {n}" for n in range(8)]
    replies: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            job()
        except BaseException as error:  # reported below with the others
            errors.append(error)

    jobs = [lambda n=n, m=m: replies.append(workers.chat(n, m, sid)) for n, m in enumerate(messages)]
    jobs += [lambda n=n, i=i: workers.feedback(n + 1, sid, i) for n, i in enumerate(to_like)]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    kept = workers.show(1, sid)
    profile = kept["profile"]
    assert profile["turns"] == 1 + len(messages)  # no lost state change
    assert set(to_like) <= set(profile["liked_items"]) and HEAT in profile["liked_items"]  # no lost like
    assert sorted(f["item_id"] for f in kept["feedback"]) == sorted(to_like)
    roles = [m["role"] for m in kept["messages"]]
    assert roles == ["user", "assistant"] * (1 + len(messages))  # turns never interleave
    users = [m["text"] for m in kept["messages"] if m["role"] == "user"]
    assert sorted(users[1:]) == sorted(messages)
    shown = {r["item_id"] for reply in replies for r in reply["recommendations"]}
    assert shown <= set(profile["recommended"])  # no lost shown item


def test_forget_on_one_worker_erases_for_both(workers: Workers) -> None:
    sid = workers.chat(0, "I loved Heat, something similar please")["session_id"]
    gone = workers.http.delete(f"{workers.urls[1]}/api/sessions/{sid}")
    assert gone.status_code == 200 and gone.json()["forgotten"] is True
    assert workers.http.get(f"{workers.urls[0]}/api/sessions/{sid}").status_code == 404
    fresh = workers.chat(0, "hello", sid)  # worker A had the conversation cached: it starts afresh
    assert HEAT not in fresh["profile"]["liked_items"] and fresh["profile"]["turns"] == 1


def test_readyz_names_each_check_and_healthz_is_alive(workers: Workers) -> None:
    assert workers.http.get(f"{workers.urls[0]}/healthz").json() == {"ok": True}
    ready = workers.http.get(f"{workers.urls[1]}/readyz")
    body = ready.json()
    assert set(body["checks"]) == {"graph", "vectors", "cf", "llm", "sessions", "catalogue", "artifacts"}
    assert ready.status_code == 200, body
    assert body["ready"] is True and body["failing"] == []
    assert "postgresql" in body["checks"]["sessions"]["detail"]
