"""Text parsing shared by the backends: tool calls written as text, JSON replies, a small schema check.

Small models (and vLLM with ``tool_choice="auto"``) often write a tool call into the reply text instead
of returning structured ``tool_calls``. The shapes seen:

- ``<tool_call>{"name": "kg_lookup", "arguments": {...}}</tool_call>`` (Qwen/Hermes style, the closing
  tag sometimes missing),
- a bare JSON object ``{"name": ..., "arguments": {...}}`` (``"parameters"`` instead of ``"arguments"``
  too), possibly in a ```json fence, possibly after some prose,
- OpenAI-style ``{"type": "function", "function": {"name": ..., "arguments": "<json string>"}}``,
- a list of any of these.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.llm.base import ToolCall

_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*(.*?)\s*```", re.DOTALL)

__all__ = [
    "extract_json_value",
    "load_json_reply",
    "parse_tool_calls",
    "schema_errors",
    "split_tool_calls",
]


def _strip_fences(text: str) -> str:
    m = _FENCE.search(text)
    return m.group(1) if m else text


def _iter_json_values(text: str) -> list[tuple[int, int, Any]]:
    """Every top-level JSON object/array embedded in ``text``: (start, end, value), left to right."""
    decoder = json.JSONDecoder()
    found: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(text):
        if text[i] not in "{[":
            i += 1
            continue
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        found.append((i, end, value))
        i = end
    return found


def extract_json_value(text: str) -> Any:
    """The JSON value in a reply: the whole text, a fenced block, or the first embedded object.

    Raises ``ValueError`` when there is none."""
    stripped = text.strip()
    for candidate in (stripped, _strip_fences(stripped).strip()):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            pass
    values = _iter_json_values(stripped)
    if not values:
        raise ValueError(f"no JSON found in the reply: {stripped[:200]!r}")
    return values[0][2]


def _as_arguments(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw:
            return {}
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return None
    return raw if isinstance(raw, dict) else None


def _to_call(value: Any) -> ToolCall | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):  # OpenAI shape
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    if "arguments" in value:
        args = _as_arguments(value["arguments"])
    elif "parameters" in value:
        args = _as_arguments(value["parameters"])
    elif "args" in value:
        args = _as_arguments(value["args"])
    else:
        # {"name": ...} alone is a call with no arguments only when nothing else is in the object
        args = {} if set(value) == {"name"} else None
    if args is None:
        return None
    return ToolCall(name=name.strip(), arguments=args)


def _calls_from_value(value: Any) -> list[ToolCall]:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = [_to_call(item) for item in items]
    if not calls or any(c is None for c in calls):
        return []
    return [c for c in calls if c is not None]


def split_tool_calls(text: str, known: set[str] | None = None) -> tuple[str, list[ToolCall]]:
    """Tool calls written in ``text`` and the text left around them.

    ``known``: only accept calls to these tool names (a JSON object that merely has a ``name`` key is
    not a tool call unless the name is a known tool). Returns ``(text, [])`` when nothing parses."""

    def accept(calls: list[ToolCall]) -> bool:
        return bool(calls) and (known is None or all(c.name in known for c in calls))

    tagged = list(_TOOL_CALL_TAG.finditer(text))
    if tagged:
        calls: list[ToolCall] = []
        for m in tagged:
            body = _strip_fences(m.group(1)).strip()
            try:
                value = extract_json_value(body)
            except ValueError:
                continue
            calls.extend(_calls_from_value(value))
        if accept(calls):
            rest = _TOOL_CALL_TAG.sub("", text).strip()
            return rest, calls
    for start, end, value in _iter_json_values(text):
        calls = _calls_from_value(value)
        if accept(calls):
            rest = (text[:start] + text[end:]).strip()
            rest = re.sub(r"```[a-zA-Z0-9_-]*\s*```", "", rest).strip()
            return rest, calls
    return text, []


def parse_tool_calls(text: str, known: set[str] | None = None) -> list[ToolCall]:
    """Just the calls of :func:`split_tool_calls`."""
    return split_tool_calls(text, known)[1]


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_ok(value: Any, expected: str) -> bool:
    if expected in ("integer", "number") and isinstance(value, bool):
        return False
    if expected == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(expected, (object,)))


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """What is wrong with ``value`` for ``schema`` (a JSON-Schema subset: type, required, properties,
    items, enum, minItems/maxItems, anyOf). Empty when it validates."""
    errors: list[str] = []
    if "anyOf" in schema:
        options = [schema_errors(value, sub, path) for sub in schema["anyOf"]]
        if all(options):
            errors.append(f"{path}: matches none of anyOf")
        return errors
    expected = schema.get("type")
    if expected is not None:
        kinds = expected if isinstance(expected, list) else [expected]
        if not any(_type_ok(value, k) for k in kinds):
            return [f"{path}: expected {expected}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        errors.extend(
            f"{path}: missing required key {k!r}" for k in schema.get("required", []) if k not in value
        )
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and isinstance(sub, dict):
                errors.extend(schema_errors(value[key], sub, f"{path}.{key}"))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                errors.extend(schema_errors(item, items, f"{path}[{i}]"))
    return errors


def load_json_reply(text: str, schema: dict[str, Any], *, backend: str = "llm") -> dict[str, Any]:
    """Parse a JSON reply and check it against ``schema``; raises ``LLMError`` when it does not fit."""
    from bot.llm.base import LLMError

    try:
        value = extract_json_value(text)
    except ValueError as exc:
        raise LLMError(f"the {backend} backend did not return JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise LLMError(f"the {backend} backend returned JSON that is not an object: {text[:200]!r}")
    errors = schema_errors(value, schema)
    if errors:
        raise LLMError(
            f"the {backend} backend returned JSON that does not fit the schema: {'; '.join(errors[:5])}"
        )
    return value
