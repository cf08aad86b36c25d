"""A langchain chat model backed by a :class:`tests.doubles.fake_llm.FakeLLM` script, for agent tests.

The stock fake chat models have no ``bind_tools``; this one records the tools and returns itself, and
turns scripted ``Completion.tool_calls`` into ``AIMessage.tool_calls``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from bot.llm.base import ChatMessage


def to_chat_messages(messages: Sequence[BaseMessage]) -> list[ChatMessage]:
    """langchain messages -> ChatMessage (tool results keep the tool name)."""
    out: list[ChatMessage] = []
    for m in messages:
        content = m.content if isinstance(m.content, str) else json.dumps(m.content)
        if isinstance(m, SystemMessage):
            out.append(ChatMessage(role="system", content=content))
        elif isinstance(m, AIMessage):
            if m.tool_calls and not content:
                content = json.dumps([{"name": c["name"], "arguments": c["args"]} for c in m.tool_calls])
            out.append(ChatMessage(role="assistant", content=content))
        elif isinstance(m, ToolMessage):
            out.append(ChatMessage(role="tool", content=content, name=m.name))
        else:
            out.append(ChatMessage(role="user", content=content))
    return out


class FakeToolChatModel(BaseChatModel):
    """Answers from ``backend`` (a FakeLLM); ``bind_tools`` stores the tools and returns self."""

    backend: Any
    bound_tools: list[dict[str, Any]] = Field(default_factory=list)
    bound_tool_choice: Any = None

    @property
    def _llm_type(self) -> str:
        return "parley-fake"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        self.bound_tools = [t if isinstance(t, dict) else convert_to_openai_tool(t) for t in tools]
        self.bound_tool_choice = tool_choice
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        started = time.perf_counter()
        chat = to_chat_messages(messages)
        if self.bound_tools:
            out = self.backend.complete_with_tools(
                chat, self.bound_tools, tool_choice=self.bound_tool_choice or "auto"
            )
        else:
            out = self.backend.complete(chat)
        n = len(self.backend.calls)
        msg = AIMessage(
            content=out.text,
            tool_calls=[
                {"name": c.name, "args": c.arguments, "id": f"call_{n}_{i}", "type": "tool_call"}
                for i, c in enumerate(out.tool_calls)
            ],
            usage_metadata={
                "input_tokens": out.prompt_tokens,
                "output_tokens": out.completion_tokens,
                "total_tokens": out.prompt_tokens + out.completion_tokens,
            },
            response_metadata={"total_ms": (time.perf_counter() - started) * 1000},
        )
        return ChatResult(generations=[ChatGeneration(message=msg)])
