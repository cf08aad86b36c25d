"""One interface for every LLM backend: embedded llama.cpp, OpenAI-compatible HTTP (vLLM); tests
inject scripted doubles of it (``tests/doubles``).

The template writer (``PARLEY_LLM=none``) is not an LLM backend: it composes replies from evidence.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
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


class LLMBackend(ABC):
    """A chat model. Implementations must be safe to call from one thread at a time."""

    name: str = "llm"
    supports_tools: bool = False  # reliable native tool calling (vLLM with a tool-call parser)
    supports_json: bool = True  # schema-constrained JSON output

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
