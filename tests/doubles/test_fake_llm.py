"""The scripted FakeLLM (a test double) and its langchain chat model."""

from __future__ import annotations

import pytest

from bot.llm.base import ChatMessage, Completion, LLMError, ToolCall
from tests.doubles.fake_llm import FakeLLM

USER = [ChatMessage(role="user", content="something like Alien")]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "kg_lookup",
            "description": "Look a film up in the knowledge graph",
            "parameters": {
                "type": "object",
                "properties": {"title": {"type": "string"}},
                "required": ["title"],
            },
        },
    }
]
SCHEMA = {"type": "object", "properties": {"genres": {"type": "array"}}, "required": ["genres"]}


def test_script_consumed_in_order_and_recorded() -> None:
    llm = FakeLLM(["one", Completion(text="two", completion_tokens=7), {"genres": ["horror"]}])
    assert llm.complete(USER).text == "one"
    assert "".join(llm.stream(USER)) == "two"
    assert llm.complete_json(USER, SCHEMA) == {"genres": ["horror"]}
    assert llm.methods == ["complete", "stream", "complete_json"]
    assert llm.calls[0] == USER
    with pytest.raises(LLMError, match="used up"):
        llm.complete(USER)


def test_stream_yields_several_chunks() -> None:
    chunks = list(FakeLLM(["You might enjoy Aliens and Prometheus."]).stream(USER))
    assert len(chunks) == 6
    assert "".join(chunks) == "You might enjoy Aliens and Prometheus."


def test_json_from_text_and_schema_failure() -> None:
    llm = FakeLLM(['```json\n{"genres": ["sci-fi"]}\n```', {"wrong": 1}, "no json"])
    assert llm.complete_json(USER, SCHEMA) == {"genres": ["sci-fi"]}
    with pytest.raises(LLMError, match="schema"):
        llm.complete_json(USER, SCHEMA)
    with pytest.raises(LLMError, match="JSON"):
        llm.complete_json(USER, SCHEMA)


def test_tool_calls_scripted_and_parsed_from_text() -> None:
    call = ToolCall(name="kg_lookup", arguments={"title": "Alien"})
    llm = FakeLLM(
        [Completion(tool_calls=[call]), '<tool_call>{"name": "kg_lookup", "arguments": {"title": "Up"}}']
    )
    assert llm.complete_with_tools(USER, TOOLS).tool_calls == [call]
    out = llm.complete_with_tools(USER, TOOLS)
    assert out.tool_calls == [ToolCall(name="kg_lookup", arguments={"title": "Up"})]
    assert out.text == ""
    assert llm.tools_seen == [TOOLS, TOOLS]


def test_callable_script_and_exceptions() -> None:
    llm = FakeLLM(lambda msgs: f"you said: {msgs[-1].content}")
    assert llm.complete(USER).text == "you said: something like Alien"
    boom = FakeLLM([LLMError("server down")])
    with pytest.raises(LLMError, match="server down"):
        boom.complete(USER)
    assert FakeLLM(default="fallback").complete(USER).text == "fallback"


def test_langchain_model_binds_tools_and_emits_tool_calls() -> None:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
    from langchain_core.tools import tool

    @tool
    def kg_lookup(title: str) -> str:
        """Look a film up in the knowledge graph."""
        return f"{title}: 1979, Ridley Scott"

    llm = FakeLLM(
        [
            Completion(tool_calls=[ToolCall(name="kg_lookup", arguments={"title": "Alien"})]),
            "Alien is from 1979.",
        ]
    )
    chat = llm.as_langchain()
    bound = chat.bind_tools([kg_lookup], tool_choice="auto")
    assert bound is chat
    first = bound.invoke([SystemMessage(content="be brief"), HumanMessage(content="when was Alien made?")])
    assert isinstance(first, AIMessage)
    assert first.tool_calls[0]["name"] == "kg_lookup"
    assert first.tool_calls[0]["args"] == {"title": "Alien"}
    result = kg_lookup.invoke(first.tool_calls[0]["args"])
    second = bound.invoke(
        [
            HumanMessage(content="when was Alien made?"),
            first,
            ToolMessage(content=result, tool_call_id=first.tool_calls[0]["id"], name="kg_lookup"),
        ]
    )
    assert second.content == "Alien is from 1979."
    assert [m.role for m in llm.calls[1]] == ["user", "assistant", "tool"]
    assert llm.calls[1][2].name == "kg_lookup"
    assert llm.tools_seen[0][0]["function"]["name"] == "kg_lookup"
