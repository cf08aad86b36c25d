"""Prompts, schema and tool shared by the real-model tests (embedded and OpenAI-compatible)."""

from __future__ import annotations

from typing import Any

from bot.llm.base import ChatMessage

SYSTEM = ChatMessage(
    role="system", content="You are Parley, a film recommender. Answer in one short sentence."
)

CHAT = [SYSTEM, ChatMessage(role="user", content="Name one famous science-fiction film.")]

PREFS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "genres": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "avoid_genres": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "year_from": {"type": "integer"},
    },
    "required": ["genres", "avoid_genres", "year_from"],
}

EXTRACT = [
    ChatMessage(
        role="system",
        content="Extract the user's film preferences as JSON with keys genres, avoid_genres, year_from.",
    ),
    ChatMessage(role="user", content="Something funny from 1990 or later, but nothing scary like horror."),
]

KG_LOOKUP = {
    "type": "function",
    "function": {
        "name": "kg_lookup",
        "description": "Look up facts about one film in the knowledge graph.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string", "description": "the film title"},
                "fields": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
            },
            "required": ["title"],
        },
    },
}

TOOL_CHAT = [
    ChatMessage(role="system", content="You answer film questions; call a tool to look facts up."),
    ChatMessage(role="user", content="Who directed Alien (1979)?"),
]


def rate(tokens: int, ms: float) -> str:
    return f"{tokens} tokens in {ms:.0f} ms = {tokens / max(ms, 1e-9) * 1000:.1f} tokens/s"
