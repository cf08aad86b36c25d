"""One interface for every LLM backend: embedded llama.cpp, OpenAI-compatible HTTP (vLLM); tests
inject scripted doubles of it (``tests/doubles``).

The template writer (``PARLEY_LLM=none``) is not an LLM backend: it composes replies from evidence.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.errors import ParleyError


class LLMError(ParleyError):
    """The LLM backend failed (down, timed out, or returned something unusable)."""


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    name: str | None = None  # tool name for role=tool


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Completion(BaseModel):
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    total_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of one of several replies written together (``LLMBackend.stream_many``). The last
    delta of reply ``index`` has ``done`` set and carries what that reply cost."""

    index: int
    text: str
    done: bool = False
    prompt_tokens: int = 0  # the prompt's (the embedded backend: those read, not a cached prefix)
    completion_tokens: int = 0


class LLMBackend(ABC):
    """A chat model. Implementations must be safe to call from one thread at a time."""

    name: str = "llm"
    supports_tools: bool = False  # reliable native tool calling (vLLM with a tool-call parser)
    supports_json: bool = True  # schema-constrained JSON output
    parallel: int = 1  # replies ``stream_many`` writes at the same time (1: one after another)

    @abstractmethod
    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        """A full reply."""

    @abstractmethod
    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        """The reply as text chunks."""

    def stream_many(
        self, prompts: list[list[ChatMessage]], *, max_tokens: int = 256, deadline: float | None = None
    ) -> Iterator[Delta]:
        """Several replies (temperature 0), as deltas tagged with their prompt's index; at most
        ``parallel`` are written at once. At ``deadline`` (a ``time.perf_counter()`` time) the
        writing stops and the iterator ends: a reply with no ``done`` delta was not finished. Closing
        the iterator stops the writing too. This default writes one reply after another."""
        for index, messages in enumerate(prompts):
            if deadline is not None and time.perf_counter() >= deadline:
                return
            pieces: list[str] = []
            stream = self.stream(messages, max_tokens=max_tokens)
            try:
                for text in stream:
                    pieces.append(text)
                    yield Delta(index, text)
                    if deadline is not None and time.perf_counter() >= deadline:
                        return
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # stops the generation (and frees the model) when the caller left early
            stats = getattr(self, "last_stream", None)  # what the backend counted, when it does
            if isinstance(stats, dict) and stats.get("chunks"):
                out = int(stats["chunks"])  # about one token per streamed chunk
                read = int(stats.get("prompt_tokens") or max(0, stats.get("n_tokens", 0) - out + 1))
            else:  # an estimate (four characters a token)
                text = "".join(pieces)
                read = sum(len(m.content) for m in messages) // 4
                out = max(1, len(text) // 4) if text else 0
            yield Delta(index, "", done=True, prompt_tokens=read, completion_tokens=out)

    @abstractmethod
    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """A JSON object that validates against ``schema`` (constrained decoding where supported);
        raises LLMError when the output is not valid JSON for the schema, or when ``timeout_s``
        passes first (the generation is stopped then, so the model is free for the next call)."""

    @abstractmethod
    def complete_with_tools(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]],
        *,
        tool_choice: str = "auto",
        max_tokens: int = 256,
    ) -> Completion:
        """A reply that may call tools (OpenAI function schemas); tool calls written as text
        (``{"name": ..., "arguments": ...}`` or ``<tool_call>...</tool_call>``) are parsed too."""

    def as_langchain(self) -> Any:
        """A langchain ``BaseChatModel`` with ``bind_tools`` for the tool-calling agent, if any."""
        raise LLMError(f"the {self.name} backend has no langchain chat model")
