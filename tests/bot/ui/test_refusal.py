"""The Gradio page of a worker over another catalogue than the published one refuses, through the very
route the page's JavaScript client uses (``POST <mount>/gradio_api/queue/join``): the answer carries the
refusal (with a status other than 503, which Gradio's client would show as "currently busy") and no
reply, while the same call on a worker over the published catalogue is queued and answered."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.ui.app import PAGE_REFUSAL_STATUS
from tests.fixtures.artifacts import PublishedWorkerFactory

MESSAGE = "I loved Heat, something similar please"


@pytest.fixture(scope="module")
def refusing(published_worker: PublishedWorkerFactory) -> Iterator[tuple[TestClient, str]]:
    """A worker whose catalogue files are not the catalogue of the published version."""
    from bot.ui import build_app

    with (
        published_worker("refusal", catalogue="f" * 64) as worker,
        TestClient(build_app(worker.recommender, worker.settings())) as client,
    ):
        yield client, worker.version


def _send_click(client: TestClient, mount: str) -> tuple[int, int]:
    """(fn_index, trigger id) of the page's Send button, read from the page's own config."""
    config = client.get(f"{mount}/config").json()
    send = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "parley-send")
    for dep in config["dependencies"]:
        if [send, "click"] in [list(t) for t in dep["targets"]]:
            return int(dep["id"]), send
    raise LookupError("no click event on the Send button")


def _join(client: TestClient, mount: str, text: str, session_hash: str) -> Any:
    fn_index, trigger = _send_click(client, mount)
    payload = {
        "data": [text, "", []],  # the message, no session id yet (a fresh browser), an empty chat
        "fn_index": fn_index,
        "trigger_id": trigger,
        "event_data": None,
        "session_hash": session_hash,
    }
    return client.post(f"{mount}/gradio_api/queue/join", json=payload)


def _events(client: TestClient, mount: str, session_hash: str) -> list[dict[str, Any]]:
    """The page's event stream for one submission, up to its completion."""
    events = []
    url = f"{mount}/gradio_api/queue/data?session_hash={session_hash}"
    with client.stream("GET", url) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                events.append(event)
                if event.get("msg") == "process_completed":
                    break
    return events


@pytest.mark.parametrize("mount", ["", "/embed"])
def test_the_page_of_a_worker_over_another_catalogue_shows_the_refusal_not_a_reply(
    refusing: tuple[TestClient, str], mount: str
) -> None:
    client, version = refusing
    assert client.get(f"{mount}/").status_code == 200  # the page itself is served
    refused = _join(client, mount, MESSAGE, f"refused{mount.strip('/')}")
    assert refused.status_code == PAGE_REFUSAL_STATUS != 503  # 503 would read "currently busy"
    detail = refused.json()["detail"]
    assert f"is not the published version {version}" in detail and "restart the workers" in detail
    assert "event_id" not in refused.json()  # nothing queued: no turn ran, no reply will come
    assert client.post("/api/chat", json={"message": MESSAGE}).json()["detail"] == detail


def test_the_same_call_on_a_worker_over_the_published_catalogue_gets_a_reply(
    make_ui_app: Callable[[], FastAPI],
) -> None:
    with TestClient(make_ui_app()) as client:
        joined = _join(client, "", MESSAGE, "served")
        assert joined.status_code == 200 and joined.json()["event_id"]
        events = _events(client, "", "served")
    done = events[-1]
    assert done["msg"] == "process_completed" and done["success"], done
    chat = done["output"]["data"][1]  # the chatbot: the user's message, then the turn's messages
    assert chat[0]["role"] == "user" and MESSAGE in json.dumps(chat[0]["content"])
    reply = json.dumps(chat[-1]["content"])
    assert chat[-1]["role"] == "assistant" and chat[-1]["metadata"] is None  # the reply, not a step
    assert "Here is what I" in reply and "1. " in reply and "went wrong" not in reply
