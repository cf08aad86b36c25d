"""Applies what a message or a feedback event says to the dialogue state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from bot.extract import Extraction
from bot.state import DialogueState
from tools.linking import COMMON_WORDS, fold
from tools.moods import wish_terms
from tools.preferences import LISTS, OPPOSED

T = TypeVar("T")
MAX_DESCRIPTION_CHARS = 600
MAX_CONVERSATION_CHARS = 2000


def _merge(old: list[T], add: Iterable[T], remove: Iterable[T]) -> list[T]:
    removed = set(remove)
    return list(dict.fromkeys([*(x for x in old if x not in removed), *add]))


def descriptive(text: str) -> bool:
    """True when a text has at least three content words (a wish, not just "hi"), or names a mood,
    pace, plot or setting (``tools.moods``: "something twisty", "set in Tokyo")."""
    words = sum(1 for w in fold(text).split() if w not in COMMON_WORDS and not w.isdigit())
    return words >= 3 or wish_terms(text).any


def apply_extraction(state: DialogueState, found: Extraction) -> DialogueState:
    """The state after one message: a new like overrides an old dislike and vice versa (each list
    field against its ``OPPOSED`` one); the message's leftover words join the conversation text,
    and the description when they describe a wish."""
    new = state.model_copy(deep=True)
    for name in LISTS:
        opposite = OPPOSED.get(name)
        removed = getattr(found, opposite) if opposite is not None else []
        setattr(new, name, _merge(getattr(state, name), getattr(found, name), removed))
    if found.clear_year_range:
        new.year_min = new.year_max = None
    if found.year_min is not None or found.year_max is not None:
        new.year_min, new.year_max = found.year_min, found.year_max
    # a runtime bound or a language replaces the earlier one ("under 90 minutes" after "a long epic")
    if found.clear_runtime:
        new.runtime_min = new.runtime_max = None
    if found.runtime_min is not None or found.runtime_max is not None:
        new.runtime_min, new.runtime_max = found.runtime_min, found.runtime_max
    if found.clear_languages:
        new.languages = []
    if found.languages:
        new.languages = list(found.languages)
    leftover = found.description
    if leftover.strip():
        new.conversation_text = f"{state.conversation_text} {leftover.strip()}".strip()[
            -MAX_CONVERSATION_CHARS:
        ]
    new.fresh_description = descriptive(leftover)
    if new.fresh_description:
        new.description = f"{state.description} {leftover}".strip()[-MAX_DESCRIPTION_CHARS:]
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
