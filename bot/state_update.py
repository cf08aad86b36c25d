"""Applies what a message or a feedback event says to the dialogue state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from bot.extract import Extraction
from bot.state import DialogueState
from tools.lexicon import COMMON_WORDS
from tools.text_normalize import fold

T = TypeVar("T")
MAX_MOOD_CHARS = 600
MAX_SAID_CHARS = 2000


def _merge(old: list[T], add: Iterable[T], remove: Iterable[T]) -> list[T]:
    removed = set(remove)
    return list(dict.fromkeys([*(x for x in old if x not in removed), *add]))


def descriptive(text: str) -> bool:
    """True when a text has at least three content words (a mood or a wish, not just "hi")."""
    return sum(1 for w in fold(text).split() if w not in COMMON_WORDS and not w.isdigit()) >= 3


def apply_extraction(state: DialogueState, found: Extraction, leftover_text: str) -> DialogueState:
    """The state after one message: a new like overrides an old dislike and vice versa."""
    new = state.model_copy(deep=True)
    new.liked_items = _merge(state.liked_items, found.liked_items, found.disliked_items)
    new.disliked_items = _merge(state.disliked_items, found.disliked_items, found.liked_items)
    new.liked_people = _merge(state.liked_people, found.liked_people, found.disliked_people)
    new.disliked_people = _merge(state.disliked_people, found.disliked_people, found.liked_people)
    new.genres_in = _merge(state.genres_in, found.genres_in, found.genres_out)
    new.genres_out = _merge(state.genres_out, found.genres_out, found.genres_in)
    new.keywords_in = _merge(state.keywords_in, found.keywords_in, [])
    if found.clear_year_range:
        new.year_min = new.year_max = None
    if found.year_min is not None or found.year_max is not None:
        new.year_min, new.year_max = found.year_min, found.year_max
    if leftover_text.strip():
        new.said = f"{state.said} {leftover_text.strip()}".strip()[-MAX_SAID_CHARS:]
    new.fresh_mood = descriptive(leftover_text)
    if new.fresh_mood:
        new.mood = f"{state.mood} {leftover_text}".strip()[-MAX_MOOD_CHARS:]
    return new


def apply_feedback(state: DialogueState, item_id: int, kind: str) -> DialogueState:
    """Like / dislike / seen / reject of one item (from the UI or from a reference in text)."""
    new = state.model_copy(deep=True)
    if kind == "like":
        new.liked_items = _merge(state.liked_items, [item_id], [])
        new.disliked_items = [i for i in state.disliked_items if i != item_id]
    elif kind == "dislike":
        new.disliked_items = _merge(state.disliked_items, [item_id], [])
        new.liked_items = [i for i in state.liked_items if i != item_id]
        new.rejected = _merge(state.rejected, [item_id], [])
    elif kind == "seen":
        new.seen = _merge(state.seen, [item_id], [])
    elif kind == "reject":
        new.rejected = _merge(state.rejected, [item_id], [])
    return new
