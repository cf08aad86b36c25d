"""Privacy: ``GET``/``DELETE /api/sessions/{id}`` show and erase a conversation (the database holds
nothing of it afterwards), the page has a "Forget this conversation" control, and the logs never carry
a message's text or a free-text preference."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

SECRET_TEXT = "I loved Heat; my sister Xanthippe-7 says quiet grief films help"


@pytest.fixture(scope="module")
def client(make_ui_app: Callable[[], FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_ui_app()) as test_client:
        yield test_client


def _rows(db: Path, session_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return sum(
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (session_id,)).fetchone()[0]
            for table, column in (("sessions", "id"), ("messages", "session_id"), ("feedback", "session_id"))
        )


def test_a_conversation_can_be_seen_then_forgotten_leaving_nothing(client: TestClient, ui_db: Path) -> None:
    reply = client.post("/api/chat", json={"message": SECRET_TEXT}).json()
    sid = reply["session_id"]
    item = reply["recommendations"][0]["item_id"]
    assert (
        client.post("/api/feedback", json={"session_id": sid, "item_id": item, "kind": "like"}).status_code
        == 200
    )
    shown = client.get(f"/api/sessions/{sid}").json()
    assert shown["messages"][0]["text"] == SECRET_TEXT
    assert shown["feedback"] == [{"item_id": item, "kind": "like"}]
    assert item in shown["profile"]["liked_items"]
    assert _rows(ui_db, sid) > 0

    gone = client.delete(f"/api/sessions/{sid}")
    assert gone.status_code == 200 and gone.json() == {"session_id": sid, "forgotten": True}
    assert _rows(ui_db, sid) == 0
    assert client.get(f"/api/sessions/{sid}").status_code == 404
    assert client.delete(f"/api/sessions/{sid}").json()["forgotten"] is False
    fresh = client.post("/api/chat", json={"message": "hello", "session_id": sid}).json()
    assert fresh["profile"]["liked_items"] == [] and fresh["profile"]["turns"] == 1  # nothing left cached


def test_bad_session_ids_in_the_path_get_422(client: TestClient) -> None:
    assert client.delete("/api/sessions/" + "x" * 129).status_code == 422
    assert client.get("/api/sessions/a%20b").status_code == 422


def test_the_page_and_the_widget_view_have_a_forget_control(client: TestClient) -> None:
    for path in ("/", "/embed/"):
        page = client.get(path)
        assert page.status_code == 200
        assert "parley-forget" in page.text or "Forget this conversation" in page.text


def test_logs_never_carry_message_text_or_free_text_preferences(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        reply = client.post("/api/chat", json={"message": SECRET_TEXT}).json()
        sid = reply["session_id"]
        client.post("/api/chat", json={"message": "something about Xanthippe-7 again", "session_id": sid})
        client.post("/api/chat", json={"message": "<script>" * 3, "session_id": sid})
        client.delete(f"/api/sessions/{sid}")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "Xanthippe" not in logged and "grief" not in logged
