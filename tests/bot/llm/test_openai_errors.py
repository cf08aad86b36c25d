"""OpenAICompatible without a server: errors become LLMError with a fix."""

from __future__ import annotations

import socket

import pytest

from bot.llm.base import ChatMessage, LLMError
from bot.llm.factory import make_backend
from bot.llm.openai_compat import OpenAICompatible, to_langchain_messages


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_llm_error() -> None:
    backend = make_backend("openai", base_url=f"http://127.0.0.1:{_closed_port()}/v1", timeout_s=2)
    assert isinstance(backend, OpenAICompatible)
    assert backend.supports_tools
    msgs = [ChatMessage(role="user", content="hi")]
    with pytest.raises(LLMError, match="cannot reach"):
        backend.complete(msgs)
    with pytest.raises(LLMError, match="cannot reach"):
        list(backend.stream(msgs))
    with pytest.raises(LLMError, match="cannot reach"):
        backend.complete_json(msgs, {"type": "object"})
    assert backend.json_mode is None  # nothing learnt from a failed connection


def test_timeout_is_llm_error() -> None:
    with socket.socket() as server:  # accepts connections, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        backend = OpenAICompatible(f"http://127.0.0.1:{port}/v1", timeout_s=0.5)
        with pytest.raises(LLMError, match="did not answer"):
            backend.complete([ChatMessage(role="user", content="hi")])


def test_message_mapping() -> None:
    msgs = to_langchain_messages(
        [
            ChatMessage(role="system", content="s"),
            ChatMessage(role="user", content="u"),
            ChatMessage(role="assistant", content="a"),
            ChatMessage(role="tool", content='{"year": 1979}', name="kg_lookup"),
        ]
    )
    assert [m.type for m in msgs] == ["system", "human", "ai", "human"]
    assert msgs[3].content == '<tool_response name="kg_lookup">\n{"year": 1979}\n</tool_response>'
