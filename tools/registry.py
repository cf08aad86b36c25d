"""The tools (the LLM sees their schemas in the tool-calling agent): one line per tool."""

from __future__ import annotations

from typing import Any

from tools.base import Tool
from tools.cf_score import CfScore
from tools.kg_lookup import KgLookup
from tools.vector_search import VectorSearch

TOOL_CLASSES: tuple[type[Tool[Any, Any]], ...] = (
    KgLookup,
    CfScore,
    VectorSearch,
)


def openai_schemas() -> list[dict[str, Any]]:
    """Every tool's OpenAI function-calling schema."""
    return [cls.openai_schema() for cls in TOOL_CLASSES]
