"""Where the entity index keeps its names: in memory (``MemoryNames``) or in a SQLite file
(``tools.linking.disk_names.DiskNames``, for a catalogue too big for every worker to hold them).

Both answer the same lookups, by folded key: the title, person, surname, genre and keyword entries of
a key, a record by kind and id, and the closest keys of the title or person lists (rapidfuzz).
``EntityIndex`` (``tools.linking.linker``) holds the linking rules and reads only through these.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import process

from tools.linking.lexicon import GENRE_SYNONYMS
from tools.linking.normalize import fold, primary_key, title_variants

EntityKind = Literal["item", "person", "genre", "keyword"]
MatchKind = Literal["exact", "alias", "fuzzy", "partial"]
KeyList = Literal["title", "person"]  # the key lists fuzzy matching searches
Scorer = Callable[..., float]


class EntityRecord(BaseModel):
    """A linkable entity as the graph knows it."""

    model_config = ConfigDict(frozen=True)

    kind: EntityKind
    entity_id: str  # item_id as text for items; the graph key for the others
    name: str
    year: int | None = None
    popularity: int = 0


class Names(ABC):
    """The lookups of the entity index, by folded key (empty list: no such key)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def record(self, kind: EntityKind, entity_id: str) -> EntityRecord | None: ...

    @abstractmethod
    def titles(self, key: str) -> list[tuple[EntityRecord, MatchKind]]: ...

    @abstractmethod
    def people(self, key: str) -> list[EntityRecord]: ...

    @abstractmethod
    def surnames(self, key: str) -> list[EntityRecord]: ...

    @abstractmethod
    def genres(self, key: str) -> list[EntityRecord]: ...

    @abstractmethod
    def keywords(self, key: str) -> list[EntityRecord]: ...

    @abstractmethod
    def closest(
        self, keys: KeyList, key: str, scorer: Scorer, limit: int, cutoff: float
    ) -> list[tuple[str, float]]:
        """The ``limit`` keys of the title or person list scoring at least ``cutoff`` against
        ``key`` (best first; ties in list order), as ``(key, score)``."""


def extract(key: str, choices: list[str], scorer: Scorer, limit: int, cutoff: float) -> list[tuple[str, float]]:
    """``rapidfuzz.process.extract`` as ``(key, score)`` pairs: the one way both stores rank keys."""
    found: list[Any] = process.extract(key, choices, scorer=scorer, limit=limit, score_cutoff=cutoff)
    return [(str(match), float(score)) for match, score, _ in found]


class MemoryNames(Names):
    """Every name in dictionaries (the default: a catalogue every worker can hold)."""

    def __init__(self, records: Iterable[EntityRecord]) -> None:
        self.by_id: dict[tuple[str, str], EntityRecord] = {}
        self.title_entries: dict[str, list[tuple[EntityRecord, MatchKind]]] = defaultdict(list)
        self.person_entries: dict[str, list[EntityRecord]] = defaultdict(list)
        self.surname_entries: dict[str, list[EntityRecord]] = defaultdict(list)
        self.genre_entries: dict[str, list[EntityRecord]] = defaultdict(list)
        self.keyword_entries: dict[str, list[EntityRecord]] = defaultdict(list)
        for record in records:
            self._add(record)
        for phrase, genres in GENRE_SYNONYMS.items():
            for genre in genres:
                for rec in self.genre_entries.get(fold(genre), []):
                    if rec not in self.genre_entries[phrase]:
                        self.genre_entries[phrase].append(rec)
        self.key_lists: dict[KeyList, list[str]] = {
            "title": list(self.title_entries),
            "person": list(self.person_entries),
        }

    def _add(self, record: EntityRecord) -> None:
        self.by_id[(record.kind, record.entity_id)] = record
        if record.kind == "item":
            primary = primary_key(record.name)
            for key in title_variants(record.name):
                self.title_entries[key].append((record, "exact" if key == primary else "alias"))
        elif record.kind == "person":
            key = fold(record.name)
            self.person_entries[key].append(record)
            parts = key.split()
            if len(parts) > 1 and len(parts[-1]) > 2:
                self.surname_entries[parts[-1]].append(record)
        elif record.kind == "genre":
            self.genre_entries[fold(record.name)].append(record)
        else:
            self.keyword_entries[fold(record.name)].append(record)

    def __len__(self) -> int:
        return len(self.by_id)

    def record(self, kind: EntityKind, entity_id: str) -> EntityRecord | None:
        return self.by_id.get((kind, entity_id))

    def titles(self, key: str) -> list[tuple[EntityRecord, MatchKind]]:
        return self.title_entries.get(key, [])

    def people(self, key: str) -> list[EntityRecord]:
        return self.person_entries.get(key, [])

    def surnames(self, key: str) -> list[EntityRecord]:
        return self.surname_entries.get(key, [])

    def genres(self, key: str) -> list[EntityRecord]:
        return self.genre_entries.get(key, [])

    def keywords(self, key: str) -> list[EntityRecord]:
        return self.keyword_entries.get(key, [])

    def closest(
        self, keys: KeyList, key: str, scorer: Scorer, limit: int, cutoff: float
    ) -> list[tuple[str, float]]:
        return extract(key, self.key_lists[keys], scorer, limit, cutoff)
