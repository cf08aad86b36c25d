"""``POST /api/chat/stream``: server-sent events in order (tool steps, the list, text deltas, done),
with a scripted LLM writing the blurbs; and ``parley chat`` printing the deltas as they come."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.recommender import Recommender
from bot.repl import chat_loop
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from tests.doubles.fake_llm import FakeLLM
from tools.engine import Toolbox

BLURB = "It is a great pick for you tonight."


@pytest.fixture(scope="module")
def recommender(toolbox: Toolbox, tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    db = tmp_path_factory.mktemp("stream") / "sessions.sqlite3"
    return Recommender(toolbox, FakeLLM(default=BLURB, supports_json=False), SqliteSessionStore(db))


@pytest.fixture(scope="module")
def client(recommender: Recommender, ui_settings: Settings) -> Iterator[TestClient]:
    from bot.ui import build_app

    with TestClient(build_app(recommender, ui_settings)) as test_client:
        yield test_client


def parse(body: str) -> list[tuple[str, object]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_the_stream_delivers_steps_list_deltas_done_in_order(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"message": "I loved Heat"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = parse(body)
    names = [name for name, _ in events]
    assert names[0] == "tool_step"
    first_list = names.index("recommendations")
    assert set(names[:first_list]) == {"tool_step"}
    texts = [data["text"] for name, data in events if name == "text"]  # type: ignore[index]
    assert len(texts) >= 3
    assert names.index("text") > first_list and names[-1] == "done"
    done = events[-1][1]
    assert isinstance(done, dict) and "".join(texts).strip() == done["text"]
    assert BLURB in done["text"] and done["writer"] == "llm"
    # each delta names the list item whose line it is (None: the opening), in the list's order
    listed = [r["item_id"] for r in events[first_list][1]]  # type: ignore[attr-defined, index]
    tagged = [data["item_id"] for name, data in events if name == "text"]  # type: ignore[index]
    assert tagged[0] is None and list(dict.fromkeys(t for t in tagged if t is not None)) == listed


def test_a_bad_stream_body_is_422(client: TestClient) -> None:
    assert client.post("/api/chat/stream", json={"message": "hi", "extra": 1}).status_code == 422


def test_the_cli_prints_the_deltas(recommender: Recommender, tmp_path: Path) -> None:
    lines = iter(["I loved Heat"])

    def read() -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out: list[str] = []
    chat_loop(recommender, read=read, write=out.append)
    start = out.index("parley> ")
    deltas = out[start + 1 : out.index("\n", start)]
    assert len(deltas) >= 3 and BLURB in "".join(deltas)
