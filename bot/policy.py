"""Ask or recommend? And which question: the one whose answer best splits the current candidates."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from bot.state import DialogueState
from tools.item_table import ItemTable

ASKABLE = ("genre", "era", "people")


class Question(BaseModel):
    slot: str
    options: list[str]
    gain: float


def entropy(counts: Mapping[str, float]) -> float:
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in counts.values() if c)


def slot_values(slot: str, item_id: int, items: ItemTable) -> list[str]:
    row = items.get(item_id)
    if row is None:
        return []
    if slot == "genre":
        return sorted(row.genres - {"IMAX"})
    if slot == "era":
        return [f"{(row.year // 10) * 10}s"] if row.year else []
    if slot == "people":
        return sorted(row.directors)[:1]
    return []


def best_question(state: DialogueState, candidates: Sequence[int], items: ItemTable) -> Question | None:
    """The unasked, unanswered slot with the highest entropy over the candidates (information gain
    of a fully informative answer); None when no slot splits them."""
    closed = set(state.asked_slots) | state.answered_slots()
    best: Question | None = None
    for slot in ASKABLE:
        if slot in closed:
            continue
        counts: defaultdict[str, float] = defaultdict(float)  # a candidate's values share its one vote
        for item_id in candidates:
            values = slot_values(slot, item_id, items)
            for value in values:
                counts[value] += 1.0 / len(values)
        gain = entropy(counts)
        if gain > 0.5 and (best is None or gain > best.gain):
            options = sorted(counts, key=lambda value: -counts[value])[:3]  # ties: first seen first
            if slot == "people":
                options = [items_person_name(v, items) for v in options]
            best = Question(slot=slot, options=options, gain=round(gain, 3))
    return best


def items_person_name(key: str, items: ItemTable) -> str:
    return " ".join(part.capitalize() for part in key.split())


def should_ask(state: DialogueState, max_questions: int) -> bool:
    """Ask while too little is known and the question budget before a first recommendation lasts."""
    if state.recommended or state.questions_asked >= max_questions:
        return False
    return not state.knows_enough()
