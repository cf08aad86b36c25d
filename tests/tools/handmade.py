"""A hand-made catalogue and list sources for ranker tests that need no stores."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from tools.base import Evidence
from tools.item_table import ItemRow, ItemTable
from tools.profile import PreferenceProfile
from tools.scorers.base import ScoredItem


def handmade_table(n: int, seed: int, genres: Sequence[str], first_year: int, years: int) -> ItemTable:
    """``n`` films, two random genres each (seeded), years ``first_year + i % years``, popularity i."""
    rng = random.Random(seed)
    rows = {}
    for i in range(1, n + 1):
        picked = frozenset(rng.sample(list(genres), 2))
        rows[i] = ItemRow(i, f"Film {i}", first_year + i % years, picked, features=picked, popularity=i)
    return ItemTable(rows)


def cf_evidence(source: str) -> Evidence:
    return Evidence(source="cf", kind=source, summary=source)


class ListSource:
    """A candidate source that proposes fixed ids in order, scored by their position."""

    def __init__(self, name: str, ids: list[int], evidence: Callable[[str], Evidence] = cf_evidence) -> None:
        self.name = name
        self.ids = ids
        self.evidence = evidence

    def candidates(self, profile: PreferenceProfile, k: int, context: object = None) -> list[ScoredItem]:
        return [ScoredItem(i, float(len(self.ids) - n), [self.evidence(self.name)]) for n, i in enumerate(self.ids)][
            :k
        ]
