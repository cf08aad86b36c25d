"""What a message does besides stating preferences: references to earlier recommendations
("the second one", "seen it", "more like that one", "why that one?") and requests for more."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

ORDINALS = {
    "first": 0,
    "1st": 0,
    "one": 0,
    "second": 1,
    "2nd": 1,
    "two": 1,
    "third": 2,
    "3rd": 2,
    "three": 2,
    "fourth": 3,
    "4th": 3,
    "four": 3,
    "fifth": 4,
    "5th": 4,
    "five": 4,
    "last": -1,
}
ORDINAL = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)(?:\s+one)?\b"
    r"|(?:#|number\s+|no\.?\s*)(one|two|three|four|five|[1-5])\b",
    re.I,
)
WHY = re.compile(r"\bwhy\b|\bexplain\b|\bwhat makes\b", re.I)
SEEN = re.compile(
    r"\b(seen (it|that|this|them)|already (seen|watched)|i'?ve (seen|watched)|watched (it|that) already)\b",
    re.I,
)
MORE_LIKE = re.compile(
    r"\bmore like (that|this|it|the\b)|\b(love|loved|like|liked) (that|the \w+) one\b", re.I
)
REJECT = re.compile(
    r"\b(not that one|not (for|into) (me|that)|don'?t like (that|the \w+) one|no thanks|nah|not interested)\b",
    re.I,
)
DIGIT_WORDS = {"one": 0, "two": 1, "three": 2, "four": 3, "five": 4}

Intent = Literal["why", "seen", "like", "reject"]


class Reference(BaseModel):
    intent: Intent
    item_id: int


def referenced_item(text: str, last: list[int]) -> int | None:
    """The earlier recommendation an ordinal points at ("the second one", "#2", "the last one")."""
    if not last:
        return None
    match = ORDINAL.search(text)
    if match is None:
        return None
    word = (match.group(1) or match.group(2) or "").lower()
    index = ORDINALS.get(word, DIGIT_WORDS.get(word, int(word) - 1 if word.isdigit() else 0))
    if index == -1:
        return last[-1]
    return last[index] if 0 <= index < len(last) else None


def find_references(text: str, last: list[int], named: list[int]) -> list[Reference]:
    """References to the last recommendations. ``named`` are catalogue items the message names;
    a named item that was just recommended counts as the reference."""
    target = referenced_item(text, last)
    if target is None:
        in_last = [i for i in named if i in last]
        target = in_last[0] if in_last else (last[0] if len(last) == 1 else None)
    if target is None:
        if last and (SEEN.search(text) or WHY.search(text) or REJECT.search(text) or MORE_LIKE.search(text)):
            target = last[0]
        else:
            return []
    found: list[Reference] = []
    if WHY.search(text):
        found.append(Reference(intent="why", item_id=target))
    if SEEN.search(text):
        found.append(Reference(intent="seen", item_id=target))
    if REJECT.search(text):
        found.append(Reference(intent="reject", item_id=target))
    elif MORE_LIKE.search(text):
        found.append(Reference(intent="like", item_id=target))
    return found
