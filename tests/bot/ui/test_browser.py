"""Real-browser tests of the web chat and the widget: headless Debian Chromium driven by Playwright.

Skipped when /usr/bin/chromium is missing (``apt-get install chromium``; scripts/setup.sh installs it
when run as root). Playwright's own browser download is never used. Screenshots of every step go to
``test-artifacts/ui/``."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.bot.ui.conftest import LiveServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TURN_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.slow,  # a real browser
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.external_requests = []  # type: ignore[attr-defined]
    app_host = urlparse(live_server.url).netloc

    def record(request: Any) -> None:
        url = urlparse(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != app_host:
            page.external_requests.append(request.url)  # type: ignore[attr-defined]

    page.on("request", record)
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def send(page: Any, text: str) -> None:
    box = page.locator("#parley-input textarea")
    box.fill(text)
    box.press("Enter")


def card_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".p-card-group:visible .p-title").all_inner_texts()]


def test_1_chat_recommends_cards_with_reasons(page: Any, live_server: LiveServer) -> None:
    started = time.perf_counter()
    page.goto(live_server.url + "/")
    page.locator("#parley-input textarea:enabled").wait_for()
    loaded = time.perf_counter() - started
    shot(page, "0-empty")
    started = time.perf_counter()
    send(page, "I loved Heat, something similar please")
    page.locator("#card-0 .p-card").wait_for(timeout=TURN_TIMEOUT_MS)
    first_card = time.perf_counter() - started
    page.locator("#parley-profile").get_by_text("Heat", exact=False).first.wait_for(timeout=TURN_TIMEOUT_MS)
    print(
        f"\npage load {loaded:.2f} s, first card {first_card:.2f} s, turn {time.perf_counter() - started:.2f} s"
    )
    assert page.locator("#card-0 .p-reason").count() >= 1
    assert card_titles(page)
    shot(page, "1-first-reply")
    assert page.external_requests == []  # type: ignore[attr-defined]


def test_2_not_for_me_then_another_one(page: Any) -> None:
    rejected = card_titles(page)[0]
    page.locator("#card-0-dislike").click()
    page.locator("#card-0 .p-note").wait_for(timeout=TURN_TIMEOUT_MS)
    before = page.locator("#card-0 .p-card").inner_html()
    send(page, "another one")
    page.wait_for_function(
        "b => { const c = document.querySelector('#card-0 .p-card'); return c && c.innerHTML !== b; }",
        arg=before,
        timeout=TURN_TIMEOUT_MS,
    )
    shot(page, "2-after-not-for-me")
    assert card_titles(page)
    assert rejected not in card_titles(page)


def test_2b_why_and_remove_a_preference(page: Any) -> None:
    title = card_titles(page)[0]
    page.locator("#card-0-why").click()
    page.locator("#parley-chat").get_by_text(f"why {title}?").first.wait_for(timeout=TURN_TIMEOUT_MS)
    profile = page.locator("#parley-profile")
    profile.get_by_text("Liked: Heat", exact=False).first.wait_for(timeout=TURN_TIMEOUT_MS)
    page.locator("#parley-remove-choice input").click()
    page.get_by_role("option", name="Liked: Heat (1995)").click()
    page.locator("#parley-remove").click()
    page.wait_for_function(
        "() => !document.querySelector('#parley-profile .p-prof').innerText.includes('Liked: Heat')",
        timeout=TURN_TIMEOUT_MS,
    )
    shot(page, "2b-why-and-profile")


def test_3_reload_and_restart_resume_the_conversation(page: Any, live_server: LiveServer) -> None:
    titles = card_titles(page)
    page.reload()
    page.locator("#parley-input textarea:enabled").wait_for()
    page.locator("#parley-chat").get_by_text("another one").first.wait_for(timeout=30_000)
    page.locator("#card-0 .p-card").wait_for(timeout=30_000)
    assert card_titles(page) == titles
    page.goto("about:blank")  # close the page's connections, then restart the server
    live_server.restart()
    page.goto(live_server.url + "/")
    page.locator("#parley-input textarea:enabled").wait_for()
    page.locator("#parley-chat").get_by_text("another one").first.wait_for(timeout=30_000)
    page.locator("#card-0 .p-card").wait_for(timeout=30_000)
    assert card_titles(page) == titles
    shot(page, "3-after-reload-and-restart")


def test_4_phone_width(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(live_server.url + "/")
    phone.locator("#parley-input textarea:enabled").wait_for()
    width = phone.evaluate("document.documentElement.scrollWidth")
    shot(phone, "4-phone")
    context.close()
    assert width <= 400


def test_5_widget_on_another_origin(browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    html = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    (tmp_path / "embed.html").write_text(
        html.replace("http://127.0.0.1:7860", live_server.url), encoding="utf-8"
    )
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    host = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/embed.html")
        button = page.locator(".parley-w-btn")
        button.wait_for()
        shot(page, "5a-host-page")
        button.focus()
        page.keyboard.press("Enter")  # keyboard only
        frame = page.frame_locator(".parley-w-frame")
        frame.get_by_text("Tell me a film you loved").first.wait_for(timeout=30_000)
        box = frame.locator("#parley-input textarea:enabled")
        box.fill("I loved Heat, something similar please")
        box.press("Enter")
        frame.locator("#card-0 .p-card .p-reason").first.wait_for(timeout=TURN_TIMEOUT_MS)
        shot(page, "5b-widget-reply")
        assert frame.locator("#card-0 .p-title").inner_text().strip()
        page.locator(".parley-w-close").focus()
        page.keyboard.press("Enter")
        assert page.locator(".parley-w-panel").get_attribute("data-open") == "false"
    finally:
        context.close()
        host.shutdown()


def test_6_html_in_a_message_is_shown_as_text(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.locator("#parley-input textarea:enabled").wait_for()
    send(page, '<img src=x onerror="window.__pwned=1"><b id="pwn">bold</b> I loved Heat')
    page.get_by_text('<b id="pwn">bold</b>', exact=False).first.wait_for(timeout=TURN_TIMEOUT_MS)
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#parley-chat #pwn").count() == 0
    assert page.locator("#parley-chat img[src=x]").count() == 0
    shot(page, "6-html-as-text")
