"""Rate limits and the browser secret of several workers: the per-address limit of the JSON API, and
``PARLEY_UI_SECRET`` required when ``PARLEY_WORKERS`` > 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from bot.ui.app import browser_secret
from bot.ui.limits import RateLimiter, SharedRateLimiter, rate_limiter
from tools.engine import Toolbox
from tools.errors import ConfigurationError


def test_per_address_limit_counts_every_conversation_of_one_client(toolbox: Toolbox, tmp_path: Path) -> None:
    from bot.ui import build_app

    settings = Settings(
        state_dir=tmp_path, data_dir=tmp_path, rate_limit_per_minute=0, rate_limit_per_ip_per_minute=2
    )
    app = build_app(Recommender(toolbox, None, SqliteSessionStore(tmp_path / "s.sqlite3")), settings)
    with TestClient(app) as client:
        codes = [client.post("/api/chat", json={"message": "hello"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]  # three new conversations, one address
        limited = client.post("/api/chat", json={"message": "hello"})
        assert limited.headers["Retry-After"] and "minute" in limited.json()["detail"]


def test_the_sqlite_store_gets_the_in_process_limiter(tmp_path: Path) -> None:
    store = SqliteSessionStore(tmp_path / "s.sqlite3")
    limiter = rate_limiter(3, store)
    assert type(limiter) is RateLimiter and not isinstance(limiter, SharedRateLimiter)
    store.close()


def test_several_workers_need_the_ui_secret_from_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PARLEY_UI_SECRET"):
        browser_secret(Settings(state_dir=tmp_path, workers=3))
    assert browser_secret(Settings(state_dir=tmp_path, workers=3, ui_secret="x" * 40)) == "x" * 40
    assert not (tmp_path / "ui-browser-secret").exists()  # the shared secret never goes to a file
    single = browser_secret(Settings(state_dir=tmp_path))
    assert single == browser_secret(Settings(state_dir=tmp_path))  # one worker: the per-directory file
