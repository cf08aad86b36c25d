"""The MCP server over streamable HTTP at ``/mcp`` in the served app, driven by the SDK's own client; the
endpoint's guards (origins, body limit, rate limit) with a plain HTTP client."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mcp import Client

from tests.bot.faces.mcp_checks import run_all

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "item_facts", "arguments": {}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def test_sdk_client_over_http(faces_url: str, catalogue_ids: set[int]) -> None:
    async def main() -> None:
        async with Client(f"{faces_url}/mcp") as client:
            await run_all(client, catalogue_ids, secret="not-a-secret-here", conversation="mcp-http-1")

    anyio.run(main)


def test_a_second_client_sees_the_first_ones_feedback(faces_url: str) -> None:
    async def main() -> None:
        async with Client(f"{faces_url}/mcp") as first:
            await first.call_tool("feedback", {"conversation_id": "mcp-http-2", "item_id": 6, "kind": "seen"})
        async with Client(f"{faces_url}/mcp") as second:
            result = await second.call_tool("recommend", {"conversation_id": "mcp-http-2"})
            assert not result.is_error and result.structured_content is not None
            assert 6 in result.structured_content["profile"]["seen"]

    anyio.run(main)


def test_origins_body_limit_and_rate_limit(make_faces_app: Callable[..., FastAPI]) -> None:
    app = make_faces_app(embed_origins="https://shop.example", rate_limit_per_minute=2)
    with TestClient(app, raise_server_exceptions=False) as http:
        refused = http.post("/mcp", json=CALL, headers={**MCP_HEADERS, "origin": "https://evil.example"})
        assert refused.status_code == 403
        preflight = http.options(
            "/mcp",
            headers={"origin": "https://shop.example", "access-control-request-method": "POST",
                     "access-control-request-headers": "content-type,mcp-session-id"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
        huge = http.post("/mcp", content=b"[" + b"1," * 40_000 + b"1]", headers=MCP_HEADERS)
        assert huge.status_code == 413
        statuses = [http.post("/mcp", json=CALL, headers=MCP_HEADERS).status_code for _ in range(3)]
        assert all(s < 500 for s in statuses[:2]) and statuses[2] == 429
        limited = http.post("/mcp", json=CALL, headers=MCP_HEADERS)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        assert http.post("/mcp", json=listing, headers=MCP_HEADERS).status_code != 429  # only calls count


def test_the_rest_of_the_app_is_unchanged(faces_url: str) -> None:
    assert httpx.get(f"{faces_url}/healthz").json() == {"ok": True}
    chat = httpx.post(f"{faces_url}/api/chat", json={"message": "I loved Heat"}, timeout=60)
    assert chat.status_code == 200 and chat.json()["session_id"]


def test_conversations_are_shared_with_the_chat_and_the_openai_endpoint(faces_url: str) -> None:
    reply = httpx.post(
        f"{faces_url}/v1/chat/completions",
        json={"model": "parley", "messages": [{"role": "user", "content": "I loved Heat"}]},
        headers={"X-Parley-Conversation": "shared-1"},
        timeout=60,
    )
    assert reply.status_code == 200

    async def main() -> None:
        async with Client(f"{faces_url}/mcp") as client:
            ranked = await client.call_tool("recommend", {"conversation_id": "shared-1"})
            assert ranked.structured_content is not None and not ranked.is_error
            assert 6 in ranked.structured_content["profile"]["liked_items"]
            liked = await client.call_tool("feedback", {"conversation_id": "shared-1", "item_id": 8798, "kind": "like"})
            assert not liked.is_error

    anyio.run(main)
    chat = httpx.post(f"{faces_url}/api/chat", json={"session_id": "shared-1", "message": "another one"}, timeout=60)
    assert chat.status_code == 200
    assert {6, 8798} <= set(chat.json()["profile"]["liked_items"])
    assert 8798 not in {r["item_id"] for r in chat.json()["recommendations"]}
