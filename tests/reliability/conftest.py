"""Reliability fixtures: one template-writer Recommender over the session's test stores and its web app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from tools.engine import Toolbox


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability-state")


@pytest.fixture(scope="module")
def recommender(toolbox: Toolbox, state_dir: Path) -> Recommender:
    return Recommender(toolbox, None, SqliteSessionStore(state_dir / "sessions.sqlite3"))


@pytest.fixture(scope="module")
def web_settings(state_dir: Path) -> Settings:
    return Settings(state_dir=state_dir, data_dir=state_dir, embed_origins="*", rate_limit_per_minute=30)


@pytest.fixture(scope="module")
def client(recommender: Recommender, web_settings: Settings) -> Iterator[TestClient]:
    from bot.ui import build_app

    with TestClient(build_app(recommender, web_settings), raise_server_exceptions=False) as test_client:
        yield test_client
