"""A metering wrapper: a backend that records every call's tokens and timings.

Product behaviour, not a test double: ``parley bench chat`` prints these per-call figures for the
configured backend (embedded, OpenAI-compatible)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from bot.llm.base import ChatMessage, Completion, LLMBackend


class CallRecord(BaseModel):
    method: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    total_ms: float = 0.0


class MeteredBackend(LLMBackend):
    """Delegates to ``inner``; ``records`` holds one ``CallRecord`` per call, in order."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.supports_tools = inner.supports_tools
        self.supports_json = inner.supports_json
        self.records: list[CallRecord] = []

    def _record(self, method: str, out: Completion) -> Completion:
        self.records.append(
            CallRecord(
                method=method,
                prompt_tokens=out.prompt_tokens,
                completion_tokens=out.completion_tokens,
                first_token_ms=out.first_token_ms,
                total_ms=round(out.total_ms, 1),
            )
        )
        return out

    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        return self._record(
            "complete", self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature)
        )

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        out = self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        yield out.text

    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return self.inner.complete_json(messages, schema, max_tokens=max_tokens, timeout_s=timeout_s)
        finally:
            usage = getattr(self.inner, "last_json_usage", None)
            record = CallRecord(
                method="complete_json", total_ms=round((time.perf_counter() - started) * 1000, 1)
            )
            if isinstance(usage, Completion):
                record.prompt_tokens, record.completion_tokens = usage.prompt_tokens, usage.completion_tokens
            self.records.append(record)

    def complete_with_tools(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]],
        *,
        tool_choice: str = "auto",
        max_tokens: int = 256,
    ) -> Completion:
        out = self.inner.complete_with_tools(messages, tools, tool_choice=tool_choice, max_tokens=max_tokens)
        return self._record("complete_with_tools", out)
