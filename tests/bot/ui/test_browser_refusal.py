"""In a real browser, the page of a worker over another catalogue than the published one shows the person
why it does not answer (the reason ``/readyz`` gives: which version is published, restart the workers),
on the chat at ``/`` and on the widget's ``/embed``; never Gradio's generic "currently busy" or
"connection errored" and never a reply. Headless Debian Chromium driven by Playwright, as in
``test_browser.py``; screenshots go to ``test-artifacts/ui/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.readiness import Readiness
from tests.bot.ui.conftest import LiveServer
from tests.bot.ui.test_browser import ARGS, ARTIFACTS, CHROMIUM, send, shot
from tests.fixtures.artifacts import PublishedWorkerFactory

pytestmark = [
    pytest.mark.slow,  # a real browser
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev extra)")
GENERIC = ("currently busy", "Connection errored", "went wrong")
SHOWN_MS = 30_000
TOAST_LIFETIME_MS = 10_000  # Gradio's client shows an error toast for ten seconds, then it is gone


@pytest.fixture(scope="module")
def refusing_server(published_worker: PublishedWorkerFactory) -> Iterator[tuple[LiveServer, str]]:
    """A live worker whose catalogue is not the published one, and the reason it gives."""
    from bot.ui import build_app

    with published_worker("browser-refusal", catalogue="f" * 64) as worker:
        reason = Readiness(worker.recommender).refusal
        assert reason and "restart the workers" in reason
        server = LiveServer(lambda: build_app(worker.recommender, worker.settings()))
        server.start()
        try:
            yield server, reason
        finally:
            server.stop()


@pytest.fixture(scope="module")
def serving_server(published_worker: PublishedWorkerFactory) -> Iterator[LiveServer]:
    """A live worker over the published catalogue (it answers)."""
    from bot.ui import build_app

    with published_worker("browser-serving") as worker:
        assert Readiness(worker.recommender).refusal is None
        server = LiveServer(lambda: build_app(worker.recommender, worker.settings()))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.parametrize("mount", ["", "/embed"])
def test_the_page_of_a_refusing_worker_shows_the_reason_for_as_long_as_it_is_open(
    chromium: Any, refusing_server: tuple[LiveServer, str], mount: str
) -> None:
    server, reason = refusing_server
    readable = re.compile(re.escape(reason).replace("`", "`?"))  # `parley ingest` may be set as code
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}{mount}/")
        shown = page.get_by_text(readable, exact=False).last
        shown.wait_for(state="visible", timeout=SHOWN_MS)
        page.wait_for_timeout(TOAST_LIFETIME_MS + 1_000)  # not only a toast that goes away
        shot(page, f"8-refusal-{mount.strip('/') or 'chat'}")
        assert shown.is_visible(), "the reason is gone from the page"
        text = page.locator("body").inner_text()  # what the person can read
        assert readable.search(" ".join(text.split())), text
        assert [g for g in GENERIC if g in text] == [] and page.get_by_text("Error", exact=True).count() == 0
        assert page.locator("#parley-input textarea").is_disabled()  # nothing to type into that would fail
        assert page.locator(".p-card:visible").count() == 0  # and no recommendation
    finally:
        context.close()


def test_a_message_sent_to_a_refusing_worker_shows_its_reason_on_a_page_loaded_elsewhere(
    chromium: Any, serving_server: LiveServer, refusing_server: tuple[LiveServer, str]
) -> None:
    """Behind a round-robin front the page may come from a serving worker and the message go to one
    over another catalogue: the person reads that worker's reason in the page's error toast (the 409
    path), not "currently busy", and gets no reply. The front is the browser's own routing here: the
    page's queue calls go to the refusing worker."""
    refusing, reason = refusing_server
    readable = re.compile(re.escape(reason).replace("`", "`?"))
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    routed: list[int] = []

    def to_refusing(route: Any) -> None:
        response = route.fetch(url=route.request.url.replace(serving_server.url, refusing.url))
        routed.append(response.status)
        route.fulfill(response=response)

    try:
        page = context.new_page()
        page.goto(f"{serving_server.url}/")
        page.locator("#parley-input textarea:enabled").wait_for(timeout=SHOWN_MS)  # it serves
        page.route(re.compile(r".*/gradio_api/queue/join.*"), to_refusing)
        send(page, "I loved Heat, something similar please")
        shown = page.get_by_text(readable, exact=False).last
        shown.wait_for(state="visible", timeout=SHOWN_MS)
        shot(page, "8-refusal-toast")
        assert routed and set(routed) == {409}  # the refusing worker answered the message
        text = page.locator("body").inner_text()
        assert [g for g in GENERIC if g in text] == []
        page.wait_for_timeout(2_000)
        assert page.locator(".p-card:visible").count() == 0  # no reply came from anywhere
    finally:
        context.close()
