"""One browser pass with the real embedded model (the 0.5B GGUF in process), besides the template
writer passes of ``test_browser.py``: the cards arrive while the model is still writing, then the page
shows the reply the server stored for the turn (each item's line the model's blurb when the checker
accepted it, else its template line; which it was is printed, not asserted: whether the 0.5B
model's blurbs pass is tests/bot/writing/test_writer_real.py's business)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from bot.types import Recommendation
from bot.writing import template_text
from tests.bot.ui.conftest import LiveServer
from tests.bot.ui.test_browser import ARGS, ARTIFACTS, CHROMIUM, card_titles, send, shot
from tools.engine import Toolbox

pytestmark = [
    pytest.mark.llm,
    pytest.mark.slow,
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


def _writer_of(db: Path, text: str) -> str:
    """"template" when the stored reply is the template's listing of its recommendations, else "llm"."""
    with sqlite3.connect(db) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM messages WHERE role = 'assistant' ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
    recommendations = [Recommendation.model_validate(r) for r in json.loads(payload)["recommendations"]]
    listing = [line for line in template_text(recommendations, "", [], []).splitlines() if line[:1].isdigit()]
    return "template" if all(line in text for line in listing) else "llm"


def test_7_embedded_model_page_shows_cards_before_the_reply_then_the_stored_reply(
    embedded_server: LiveServer,
) -> None:
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
        db = embedded_server.db  # type: ignore[attr-defined]
        # the cards come first: the model is still drafting (seconds on CPU), nothing is stored yet
        assert _last_reply(db) is None, "the reply was stored before the cards showed"
        # the turn is over when the assistant's reply is stored; then the page must show that text
        deadline = time.monotonic() + MODEL_TURN_TIMEOUT_MS / 1000
        while (stored := _last_reply(db)) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored is not None, "the turn never finished"
        page.locator("#parley-chat").get_by_text(
            max(stored.splitlines(), key=len)[10:40], exact=False
        ).first.wait_for(timeout=60_000)
        turn = time.perf_counter() - started
        print(
            f"\n[embedded 0.5B] page load {loaded:.2f} s, first card {first_card:.2f} s, full turn {turn:.2f} s, "
            f"reply by the {_writer_of(db, stored)} writer"
        )
        shot(page, "7-embedded-model")
        titles = card_titles(page)
        assert titles
        assert page.locator("#card-0 .p-reason").count() >= 1
        assert any(title.split(" (")[0] in stored for title in titles), stored[:400]
        browser.close()
