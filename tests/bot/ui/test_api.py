"""The JSON API (``POST /api/chat``, ``POST /api/feedback``), the widget script and security headers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

HEAT = 6


@pytest.fixture(scope="module")
def client(make_ui_app: Callable[[], FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_ui_app()) as test_client:
        yield test_client


def _chat(client: TestClient, message: str, session_id: str | None = None) -> dict:  # type: ignore[type-arg]
    body: dict[str, str] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def test_chat_recommends_with_reasons_and_feedback_excludes_the_item(client: TestClient) -> None:
    reply = _chat(client, "I loved Heat, something similar please")
    session_id = reply["session_id"]
    assert session_id
    recs = reply["recommendations"]
    assert recs
    assert all(r["reasons"] and r["reasons"][0]["source"] in {"kg", "cf", "vector"} for r in recs)
    assert HEAT in reply["profile"]["liked_items"]
    rejected = recs[0]["item_id"]

    feedback = client.post(
        "/api/feedback", json={"session_id": session_id, "item_id": rejected, "kind": "dislike"}
    )
    assert feedback.status_code == 200, feedback.text
    assert rejected in feedback.json()["profile"]["disliked_items"]

    again = _chat(client, "another one", session_id)
    assert again["session_id"] == session_id
    assert again["recommendations"]
    assert rejected not in [r["item_id"] for r in again["recommendations"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": 5},
        {"message": "hi", "session_id": ""},
        {"message": "hi", "session_id": "x" * 129},
        {"message": "hi", "extra": 1},
        [1, 2],
    ],
)
def test_bad_chat_bodies_get_422_with_a_message(client: TestClient, body: object) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_malformed_json_gets_422(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    echoed = client.post("/api/chat", json={"message": "<b>x</b>", "session_id": "<script>"})
    assert echoed.status_code == 422
    assert "<" not in echoed.text


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": "abc", "item_id": "six", "kind": "like"},
        {"session_id": "abc", "item_id": 6, "kind": "love"},
        {"item_id": 6, "kind": "like"},
    ],
)
def test_bad_feedback_bodies_get_422(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/api/feedback", json=body).status_code == 422


def test_huge_body_gets_413(client: TestClient) -> None:
    payload = json.dumps({"message": "a" * 100_000}).encode()
    response = client.post("/api/chat", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b"a" * 8192

    streamed = client.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_feedback_for_an_unknown_session_or_item_is_refused(client: TestClient) -> None:
    unknown = client.post(
        "/api/feedback", json={"session_id": "nobody-here", "item_id": HEAT, "kind": "like"}
    )
    assert unknown.status_code == 404
    session_id = _chat(client, "I loved Heat")["session_id"]
    missing = client.post(
        "/api/feedback", json={"session_id": session_id, "item_id": 999_999_999, "kind": "like"}
    )
    assert missing.status_code == 422


def test_overlong_message_gets_a_polite_reply_not_an_error(client: TestClient) -> None:
    reply = _chat(client, "x" * 3000)
    assert reply["recommendations"] == []
    assert reply["text"]


def test_html_in_a_message_is_never_returned_as_markup(client: TestClient) -> None:
    reply_response = client.post(
        "/api/chat", json={"message": "<script>alert(1)</script><img src=x onerror=alert(2)> I loved Heat"}
    )
    assert reply_response.status_code == 200
    assert reply_response.headers["content-type"].startswith("application/json")
    assert "<script" not in reply_response.text
    assert "<img" not in reply_response.text
    assert "<" not in reply_response.text  # escaped as \u003c: the same data once decoded
    assert "<script>" in reply_response.json()["profile"]["description"]


def test_widget_script_page_headers_and_cors(client: TestClient) -> None:
    widget = client.get("/widget.js")
    assert widget.status_code == 200
    assert "javascript" in widget.headers["content-type"]
    assert "/embed/" in widget.text and "innerHTML" not in widget.text
    page = client.get("/")
    assert page.status_code == 200
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    embed = client.get("/embed/")
    assert embed.status_code == 200
    preflight = client.options(
        "/api/chat",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in {"*", "https://shop.example"}


def test_served_pages_reference_nothing_external(client: TestClient) -> None:
    for path in ("/", "/embed/"):
        html = client.get(path).text
        for marker in (
            "googleapis",
            "gstatic",
            "cdn.jsdelivr",
            "unpkg.com",
            "huggingface.co",
            "googletagmanager",
        ):
            assert marker not in html, (path, marker)


def test_sessions_are_isolated(client: TestClient) -> None:
    first = _chat(client, "I loved Heat, something similar please")
    second = _chat(client, "A feel-good comedy from the 90s")
    assert first["session_id"] != second["session_id"]
    item = first["recommendations"][0]["item_id"]
    client.post("/api/feedback", json={"session_id": first["session_id"], "item_id": item, "kind": "like"})
    other = _chat(client, "something else", second["session_id"])
    assert HEAT not in other["profile"]["liked_items"]
    assert item not in other["profile"]["liked_items"]


def test_serve_subcommand_and_settings() -> None:
    from bot.settings import Settings
    from bot.ui.app import allowed_origins, frame_ancestors
    from cli.main import build_parser

    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert (args.host, args.port, args.func.__name__) == ("0.0.0.0", 8123, "cmd_serve")
    settings = Settings(embed_origins="https://a.example, https://b.example")
    assert allowed_origins(settings) == ["https://a.example", "https://b.example"]
    assert (
        frame_ancestors(allowed_origins(settings))
        == "frame-ancestors 'self' https://a.example https://b.example"
    )
    assert (Settings().serve_port, Settings().ui_concurrency) == (7860, 4)
