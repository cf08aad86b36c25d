"""A scripted LLM backend for tests (a test double, never shipped): no model, deterministic replies, a
record of what it was sent. Tests inject it where a backend is taken (``Recommender(toolbox, llm, ...)``).

    llm = FakeLLM(["Hello!", Completion(tool_calls=[ToolCall(name="kg_lookup", arguments={"q": "Up"})]),
                   {"genres": ["comedy"]}])

Each call consumes the next scripted item: a ``str`` (reply text; a tool call written as text is
parsed by ``complete_with_tools`` like the real backends do), a ``Completion``, a ``dict`` (the
``complete_json`` result; other methods get it as JSON text), or an exception instance (raised).
Instead of a list, pass a callable ``messages -> item`` to answer from the conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bot.llm.base import ChatMessage, Completion, LLMBackend, LLMError
from bot.llm.toolcall_text import load_json_reply, schema_errors, split_tool_calls

ScriptItem = Completion | str | dict[str, Any] | BaseException
Script = Sequence[ScriptItem] | Callable[[list[ChatMessage]], ScriptItem]


class FakeLLM(LLMBackend):
    name = "fake"

    def __init__(
        self,
        script: Script | None = None,
        *,
        default: ScriptItem | None = None,
        supports_tools: bool = True,
        supports_json: bool = True,
    ) -> None:
        self._script: Callable[[list[ChatMessage]], ScriptItem] | None = None
        self._queue: list[ScriptItem] = []
        if callable(script):
            self._script = script
        elif script is not None:
            self._queue = list(script)
        self.default = default
        self.supports_tools = supports_tools
        self.supports_json = supports_json
        self.calls: list[list[ChatMessage]] = []  # the messages of every call, in order
        self.methods: list[str] = []  # which method each call was
        self.tools_seen: list[list[dict[str, Any]]] = []

    # --- script -------------------------------------------------------------------------------------
    def add(self, *items: ScriptItem) -> FakeLLM:
        self._queue.extend(items)
        return self

    @property
    def remaining(self) -> int:
        return len(self._queue)

    def _next(self, method: str, messages: list[ChatMessage]) -> ScriptItem:
        self.calls.append(list(messages))
        self.methods.append(method)
        if self._script is not None:
            item = self._script(list(messages))
        elif self._queue:
            item = self._queue.pop(0)
        elif self.default is not None:
            item = self.default
        else:
            raise LLMError(f"FakeLLM: the script is used up (call {len(self.calls)}, {method})")
        if isinstance(item, BaseException):
            raise item
        return item

    @staticmethod
    def _as_completion(item: ScriptItem, messages: list[ChatMessage]) -> Completion:
        if isinstance(item, Completion):
            out = item.model_copy(deep=True)
        elif isinstance(item, dict):
            out = Completion(text=json.dumps(item))
        else:
            out = Completion(text=str(item))
        if not out.prompt_tokens:
            out.prompt_tokens = sum(len(m.content.split()) for m in messages)
        if not out.completion_tokens:
            out.completion_tokens = len(out.text.split()) + len(out.tool_calls)
        if out.first_token_ms is None:
            out.first_token_ms = 0.0
        return out

    # --- LLMBackend ---------------------------------------------------------------------------------
    def complete(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        return self._as_completion(self._next("complete", messages), messages)

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        text = self._as_completion(self._next("stream", messages), messages).text
        yield from (piece for piece in re.findall(r"\S+\s*|\s+", text) if piece)

    def complete_json(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        *,
        max_tokens: int = 256,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        item = self._next("complete_json", messages)
        if isinstance(item, dict):
            errors = schema_errors(item, schema)
            if errors:
                raise LLMError(f"FakeLLM: scripted JSON does not fit the schema: {'; '.join(errors)}")
            return dict(item)
        text = item.text if isinstance(item, Completion) else str(item)
        return load_json_reply(text, schema, backend="fake")

    def complete_with_tools(
        self,
        messages: list[ChatMessage],
        tools: list[dict[str, Any]],
        *,
        tool_choice: str = "auto",
        max_tokens: int = 256,
    ) -> Completion:
        self.tools_seen.append(list(tools))
        out = self._as_completion(self._next("complete_with_tools", messages), messages)
        if not out.tool_calls and out.text:
            known = {_tool_name(t) for t in tools}
            out.text, out.tool_calls = split_tool_calls(out.text, known)
        return out

    def as_langchain(self) -> Any:
        from tests.doubles.fake_chat import FakeToolChatModel

        return FakeToolChatModel(backend=self)


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        fn = tool.get("function", tool)
        return str(fn.get("name", ""))
    return str(getattr(tool, "name", getattr(tool, "__name__", "")))


__all__ = ["FakeLLM", "ScriptItem"]
