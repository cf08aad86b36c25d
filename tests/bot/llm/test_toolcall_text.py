"""The text parsers shared by the backends: tool calls written as text, JSON replies, schema check."""

from __future__ import annotations

import pytest

from bot.llm.base import LLMError, ToolCall
from bot.llm.toolcall_text import (
    extract_json_value,
    load_json_reply,
    parse_tool_calls,
    schema_errors,
    split_tool_calls,
)

KNOWN = {"kg_lookup", "vector_search"}


def test_tagged_call() -> None:
    text = '<tool_call>\n{"name": "kg_lookup", "arguments": {"title": "Alien"}}\n</tool_call>'
    assert parse_tool_calls(text, KNOWN) == [ToolCall(name="kg_lookup", arguments={"title": "Alien"})]


def test_tagged_call_without_closing_tag_and_with_prose() -> None:
    rest, calls = split_tool_calls(
        'Let me check.\n<tool_call>{"name": "kg_lookup", "arguments": {"title": "Up"}}', KNOWN
    )
    assert calls == [ToolCall(name="kg_lookup", arguments={"title": "Up"})]
    assert rest == "Let me check."


def test_several_tagged_calls() -> None:
    text = (
        '<tool_call>{"name": "kg_lookup", "arguments": {"title": "Up"}}</tool_call>\n'
        '<tool_call>{"name": "vector_search", "arguments": {"query": "space"}}</tool_call>'
    )
    assert [c.name for c in parse_tool_calls(text, KNOWN)] == ["kg_lookup", "vector_search"]


def test_bare_json_fenced_and_parameters_key() -> None:
    text = '```json\n{"name": "vector_search", "parameters": {"query": "heist", "k": 5}}\n```'
    rest, calls = split_tool_calls(text, KNOWN)
    assert calls == [ToolCall(name="vector_search", arguments={"query": "heist", "k": 5})]
    assert rest == ""


def test_openai_shape_with_string_arguments_and_list() -> None:
    text = (
        '[{"type": "function", "function": {"name": "kg_lookup", "arguments": "{\\"title\\": \\"Heat\\"}"}}]'
    )
    assert parse_tool_calls(text) == [ToolCall(name="kg_lookup", arguments={"title": "Heat"})]


def test_call_embedded_after_prose() -> None:
    text = 'I will search. {"name": "kg_lookup", "arguments": {"title": "Se7en"}} Done.'
    rest, calls = split_tool_calls(text, KNOWN)
    assert calls[0].arguments == {"title": "Se7en"}
    assert rest == "I will search.  Done."


@pytest.mark.parametrize(
    "text",
    [
        "Here are three films you may like: Alien, Aliens, Prometheus.",
        '{"name": "Alien", "year": 1979}',  # a "name" that is not a known tool
        '{"name": "unknown_tool", "arguments": {}}',
        '<tool_call>{"name": "kg_lookup", "arguments": "not json"}</tool_call>',
        '{"title": "Alien"}',
        "{broken json",
    ],
)
def test_not_a_call(text: str) -> None:
    rest, calls = split_tool_calls(text, KNOWN)
    assert calls == []
    assert rest == text


def test_name_only_call_has_no_arguments() -> None:
    assert parse_tool_calls('{"name": "kg_lookup"}', KNOWN) == [ToolCall(name="kg_lookup")]


def test_extract_json_value() -> None:
    assert extract_json_value('{"a": 1}') == {"a": 1}
    assert extract_json_value('```json\n{"a": [1, 2]}\n```') == {"a": [1, 2]}
    assert extract_json_value('Sure! {"a": 2} hope that helps') == {"a": 2}
    with pytest.raises(ValueError):
        extract_json_value("no json here")


SCHEMA = {
    "type": "object",
    "properties": {
        "genres": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "year_min": {"type": ["integer", "null"]},
        "mood": {"type": "string", "enum": ["light", "dark"]},
    },
    "required": ["genres", "mood"],
}


def test_schema_errors() -> None:
    assert schema_errors({"genres": ["comedy"], "mood": "light", "year_min": None}, SCHEMA) == []
    assert schema_errors({"genres": ["comedy"], "mood": "light", "year_min": 1990}, SCHEMA) == []
    errors = schema_errors({"genres": ["a", "b", "c", "d"], "mood": "grim", "year_min": 1.5}, SCHEMA)
    assert len(errors) == 3
    assert schema_errors({"genres": "comedy"}, SCHEMA) == [
        "$: missing required key 'mood'",
        "$.genres: expected array, got str",
    ]
    assert schema_errors({"genres": [True], "mood": "dark"}, SCHEMA) == [
        "$.genres[0]: expected string, got bool"
    ]
    assert schema_errors(3, {"anyOf": [{"type": "string"}, {"type": "integer"}]}) == []


def test_load_json_reply() -> None:
    assert load_json_reply('{"genres": [], "mood": "dark"}', SCHEMA) == {"genres": [], "mood": "dark"}
    with pytest.raises(LLMError, match="does not fit the schema"):
        load_json_reply('{"genres": []}', SCHEMA)
    with pytest.raises(LLMError, match="did not return JSON"):
        load_json_reply("I think you would like comedies.", SCHEMA)
    with pytest.raises(LLMError, match="not an object"):
        load_json_reply("[1, 2]", SCHEMA)
