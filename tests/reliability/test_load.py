"""A short load run over real HTTP (the CI version of ``scripts/load.py``) and the per-session rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.recommender import Recommender
from bot.reliability.load_run import run_load
from bot.reliability.local_server import LocalServer
from bot.settings import Settings
from bot.ui.api import build_api
from bot.ui.limits import RateLimiter
from bot.ui.sessions import SessionPool


@pytest.fixture(scope="module")
def live_url(recommender: Recommender, web_settings: Settings) -> Iterator[str]:
    from bot.ui import build_app

    with LocalServer(build_app(recommender, web_settings), log_level="warning") as url:
        yield url


@pytest.mark.slow
def test_concurrent_sessions_no_errors_no_leaks(live_url: str) -> None:
    report = run_load(live_url, sessions=10, turns=3, max_seconds=240)
    print(report.summary())
    assert report.errors == [] and report.leaks == [] and report.unexplained == []
    assert report.requests == 10 * 3 + 10 * 2
    assert report.statuses == {200: report.requests}


def test_load_refuses_a_remote_target() -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://example.com:7860", sessions=1, turns=1)


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(3)
    assert [limiter.hit("a", now=t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    wait = limiter.hit("a", now=3.0)
    assert wait is not None and 56 < wait <= 57
    assert limiter.hit("b", now=3.0) is None  # per session
    assert limiter.hit("a", now=60.5) is None  # the first hit left the window
    assert RateLimiter(0).hit("a") is None  # 0 = off


def test_json_api_answers_429_to_a_flood(recommender: Recommender) -> None:
    pool = SessionPool(recommender, rate_limit_per_minute=3)
    with TestClient(build_api(pool, ["*"])) as client:
        codes = [
            client.post("/chat", json={"session_id": "flood", "message": "hello"}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        flooded = client.post("/chat", json={"session_id": "flood", "message": "hello"})
        assert flooded.status_code == 429
        assert "per minute" in flooded.json()["detail"]
        assert int(flooded.headers["retry-after"]) >= 1
        feedback = client.post("/feedback", json={"session_id": "flood", "item_id": 6, "kind": "like"})
        assert feedback.status_code == 429
        other = client.post("/chat", json={"session_id": "calm", "message": "I loved Heat"})
        assert other.status_code == 200


def test_gradio_chat_answers_a_flood_politely(recommender: Recommender) -> None:
    from bot.ui.chat import ChatApp

    pool = SessionPool(recommender, rate_limit_per_minute=2)
    app = ChatApp(pool)
    last: list[object] = []
    for _ in range(3):
        for out in app.turn("hello", "polite", []):
            last = out
    chat = last[1]
    assert isinstance(chat, list)
    assert "Too many messages" in chat[-1]["content"]
    assert len(recommender.session("polite").history()) == 4  # two turns stored, the third refused
