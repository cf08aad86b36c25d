"""The browser sees the reply grow: the list appears as one chat message, then each item's line is
replaced by its written line piece by piece while a (scripted, deliberately slow) LLM writes; every
title is in that message once. A real browser (Debian's chromium)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.llm.base import ChatMessage
from bot.recommender import Recommender
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from tests.bot.ui.conftest import LiveServer
from tests.bot.ui.test_browser import ARGS, CHROMIUM, TURN_TIMEOUT_MS, card_titles, send, shot
from tests.doubles.fake_llm import FakeLLM
from tools.engine import Toolbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
BLURB = "It is a great pick for you tonight."
DRAFT_S = 0.6  # each piece takes this long to "write"
LAST_BOT = "() => { const m = document.querySelectorAll('#parley-chat .message.bot'); return m.length ? m[m.length - 1].innerText : ''; }"


def slow_writer(messages: list[ChatMessage]) -> str:
    time.sleep(DRAFT_S)
    return BLURB


@pytest.fixture(scope="module")
def slow_server(toolbox: Toolbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from bot.ui import build_app

    state = tmp_path_factory.mktemp("ui-stream")
    llm = FakeLLM(slow_writer, supports_json=False)
    recommender = Recommender(toolbox, llm, SqliteSessionStore(state / "sessions.sqlite3"), agent_mode="plan")
    server = LiveServer(lambda: build_app(recommender, Settings(state_dir=state, data_dir=state)))
    server.start()
    yield server
    server.stop()


def test_8_the_reply_text_grows_in_the_list_message(slow_server: LiveServer) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(slow_server.url + "/")
        page.locator("#parley-input textarea:enabled").wait_for()
        send(page, "I loved Heat, something similar please")
        page.locator("#card-0 .p-card").wait_for(timeout=TURN_TIMEOUT_MS)
        titles = [t.split(" (")[0] for t in card_titles(page)]
        samples: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = page.evaluate(LAST_BOT)
            if not samples or text != samples[-1]:
                samples.append(text)
            if text.count(BLURB) == len(titles):
                break
            time.sleep(0.1)
        shot(page, "8-streamed-reply")
        browser.close()
    written = [s.count(BLURB) for s in samples]
    print(f"\n[stream] {len(samples)} distinct states of the reply message; blurbs shown: {written}")
    assert written[-1] == len(titles) == 5, samples[-1]
    assert len({w for w in written}) >= 4  # seen with 0, 1, 2 ... blurbs: it grew while being written
    assert written == sorted(written)  # it only grows
    listed = next(s for s in samples if all(t in s for t in titles))
    assert listed.count(BLURB) < len(titles)  # every title was on screen before the prose was complete
    for title in titles:
        assert samples[-1].count(title) == 1, title  # the list once, not twice
