"""One browser pass with the real embedded model (the 0.5B GGUF in process), besides the template
writer passes of ``test_browser.py``: the list arrives first, then the model's validated prose."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.agent import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from tests.bot.ui.conftest import LiveServer
from tests.bot.ui.test_browser import ARGS, ARTIFACTS, CHROMIUM, card_titles, send, shot
from tools.engine import Toolbox

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
MODEL_TURN_TIMEOUT_MS = 600_000


@pytest.fixture(scope="module")
def embedded_server(
    toolbox: Toolbox, small_model_path: Path, need_llama_cpp: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    from bot.llm.embedded import EmbeddedLlama
    from bot.ui import build_app

    state = tmp_path_factory.mktemp("ui-embedded")
    llm = EmbeddedLlama(small_model_path, n_ctx=4096, n_threads=2)
    recommender = Recommender(toolbox, llm, SqliteSessionStore(state / "sessions.sqlite3"))
    server = LiveServer(lambda: build_app(recommender, Settings(state_dir=state, data_dir=state)))
    server.db = state / "sessions.sqlite3"  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def _last_reply(db: Path) -> str | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT text FROM messages WHERE role = 'assistant' ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
    return str(row[0]) if row else None


def test_7_chat_page_with_the_embedded_model(embedded_server: LiveServer) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(embedded_server.url + "/")
        page.locator("#parley-input textarea:enabled").wait_for()
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        send(page, "I loved Heat, something similar please")
        page.locator("#card-0 .p-card").wait_for(timeout=MODEL_TURN_TIMEOUT_MS)
        first_card = time.perf_counter() - started
        # the turn is over when the assistant's reply is stored; then the page must show its prose
        db = embedded_server.db  # type: ignore[attr-defined]
        deadline = time.monotonic() + MODEL_TURN_TIMEOUT_MS / 1000
        while (stored := _last_reply(db)) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored is not None, "the turn never finished"
        page.locator("#parley-chat").get_by_text(
            max(stored.splitlines(), key=len)[10:40], exact=False
        ).first.wait_for(timeout=60_000)
        turn = time.perf_counter() - started
        print(
            f"\n[embedded 0.5B] page load {loaded:.2f} s, first card {first_card:.2f} s, full turn {turn:.2f} s"
        )
        shot(page, "7-embedded-model")
        titles = card_titles(page)
        assert titles
        assert page.locator("#card-0 .p-reason").count() >= 1
        assert any(title.split(" (")[0] in stored for title in titles), stored[:400]
        browser.close()
