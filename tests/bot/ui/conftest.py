"""Web app fixtures: one Recommender (template writer, test stores) per module and a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from tools.engine import Toolbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn in a background thread on a free port; ``restart`` serves a new app on the same port."""

    def __init__(self, build: Callable[[], FastAPI]) -> None:
        self.build = build
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.build(), host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def ui_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ui") / "sessions.sqlite3"


@pytest.fixture(scope="module")
def ui_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("ui-state")
    return Settings(state_dir=state, data_dir=state, embed_origins="*")


@pytest.fixture(scope="module")
def make_ui_app(toolbox: Toolbox, ui_db: Path, ui_settings: Settings) -> Callable[[], FastAPI]:
    """Each call builds a fresh Recommender and app over the same session store file (a "restart")."""
    from bot.ui import build_app

    def build() -> FastAPI:
        recommender = Recommender(toolbox, None, SqliteSessionStore(ui_db))
        return build_app(recommender, ui_settings)

    return build


@pytest.fixture(scope="module")
def live_server(make_ui_app: Callable[[], FastAPI]) -> Iterator[LiveServer]:
    server = LiveServer(make_ui_app)
    server.start()
    yield server
    server.stop()
