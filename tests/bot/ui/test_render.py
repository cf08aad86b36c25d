"""Escaping of cards, chat text and profile entries (no fixtures: fast)."""

from __future__ import annotations

from bot.state import DialogueState
from bot.types import Reason, Recommendation, ToolStep
from bot.ui.render import (
    card_html,
    chat_text,
    profile_entries,
    profile_html,
    recommendations_markdown,
    tool_step_message,
)

EVIL = '<img src=x onerror="alert(1)">'


def _rec() -> Recommendation:
    return Recommendation(
        item_id=1,
        title=f"Heat {EVIL}",
        year=1995,
        genres=["Crime", EVIL],
        score=1.0,
        reasons=[Reason(text=f"because {EVIL}", source="kg", evidence={"director": EVIL})],
    )


def test_cards_escape_every_field() -> None:
    html = card_html(_rec(), 0, note="liked")
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "You liked this" in html


def test_chat_text_list_and_tool_steps_escape_html() -> None:
    assert "<" not in chat_text(EVIL)
    assert "<img" not in recommendations_markdown([_rec()])
    message = tool_step_message(ToolStep(name="kg_lookup", args={"q": EVIL}, summary=EVIL, ms=12.0), "t")
    assert "<img" not in message["content"]
    assert message["metadata"]["title"] == "kg_lookup"
    assert message["metadata"]["duration"] == 0.01


def test_profile_entries_and_panel() -> None:
    state = DialogueState(liked_items=[6], genres_out=["Horror"], liked_people=[EVIL])
    entries = profile_entries(state, lambda i: f"Heat (1995) #{i}")
    assert ("liked_items", "6", "Liked: Heat (1995) #6") in entries
    html = profile_html(entries)
    assert "<img" not in html
    assert "Heat (1995)" in html and "No: Horror" in html
