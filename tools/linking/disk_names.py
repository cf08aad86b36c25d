"""The entity index's names in a SQLite file, for a catalogue too big for every worker to hold them
(above ``items_in_memory_max``; 2.0 KB per item in memory, about 2 GB at 1M items).

``write_names`` copies a ``MemoryNames`` (built once, at ingest) to the file; ``DiskNames`` answers
the same lookups from it: exact keys through an index, and the closest keys (fuzzy matching) by
scoring with the same rapidfuzz scorer only the keys that share one of the query's rarest trigrams
(an FTS5 trigram index), in list order, instead of every key.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.errors import ParleyError
from tools.linking.names import (
    EntityKind,
    EntityRecord,
    KeyList,
    MatchKind,
    MemoryNames,
    Names,
    Scorer,
    extract,
)

RAREST_GRAMS = 8  # trigrams of a fuzzy query whose keys are scored (the rarest in the index)
MAX_FUZZY_KEYS = 50_000  # keys scored per fuzzy query at most
CACHE_LOOKUPS = 50_000  # exact lookups kept in memory (LRU)
LISTS: dict[str, str] = {"title": "t", "person": "p", "surname": "s", "genre": "g", "keyword": "k"}
SCHEMA = (
    "CREATE TABLE records (rid INTEGER PRIMARY KEY, kind TEXT NOT NULL, entity_id TEXT NOT NULL, "
    "name TEXT NOT NULL, year INTEGER, popularity INTEGER NOT NULL)",
    "CREATE TABLE entries (list TEXT NOT NULL, key TEXT NOT NULL, pos INTEGER NOT NULL, "
    "rid INTEGER NOT NULL, match TEXT NOT NULL)",
    "CREATE TABLE keys_title (kid INTEGER PRIMARY KEY, key TEXT NOT NULL)",
    "CREATE TABLE keys_person (kid INTEGER PRIMARY KEY, key TEXT NOT NULL)",
)
INDEXES = (
    "CREATE INDEX entries_key ON entries (list, key, pos)",
    "CREATE INDEX records_id ON records (kind, entity_id)",
)


def _fts(keys: KeyList) -> tuple[str, ...]:
    return (
        f"CREATE VIRTUAL TABLE fts_{keys} USING fts5(key, content='keys_{keys}', content_rowid='kid', "
        "tokenize='trigram', detail='none')",
        f"INSERT INTO fts_{keys}(fts_{keys}) VALUES ('rebuild')",
        f"CREATE VIRTUAL TABLE vocab_{keys} USING fts5vocab(fts_{keys}, 'row')",
    )


def _entries(names: MemoryNames) -> Iterator[tuple[str, str, list[tuple[EntityRecord, MatchKind]]]]:
    for key, found in names.title_entries.items():
        yield "t", key, found
    plain: list[tuple[str, dict[str, list[EntityRecord]]]] = [
        ("p", names.person_entries),
        ("s", names.surname_entries),
        ("g", names.genre_entries),
        ("k", names.keyword_entries),
    ]
    for code, entries in plain:
        for key, records in entries.items():
            yield code, key, [(r, "exact") for r in records]


def write_names(names: MemoryNames, path: Path) -> Path:
    """Write every lookup of ``names`` to a fresh SQLite file at ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        for statement in SCHEMA:
            db.execute(statement)
        rids: dict[EntityRecord, int] = {}

        def rid(record: EntityRecord) -> int:
            if record not in rids:
                rids[record] = len(rids) + 1
                db.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
                    (rids[record], record.kind, record.entity_id, record.name, record.year, record.popularity),
                )
            return rids[record]

        for record in names.by_id.values():  # the records ``record()`` answers, first
            rid(record)
        for code, key, found in _entries(names):
            db.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
                ((code, key, pos, rid(rec), match) for pos, (rec, match) in enumerate(found)),
            )
        for keys in ("title", "person"):
            db.executemany(
                f"INSERT INTO keys_{keys} (kid, key) VALUES (?, ?)", enumerate(names.key_lists[keys], 1)
            )
            for statement in _fts(keys):
                db.execute(statement)
        for statement in INDEXES:
            db.execute(statement)
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    return path


class DiskNames(Names):
    """The lookups of ``MemoryNames``, read from a file ``write_names`` wrote."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ParleyError(f"no entity index at {path} (written by parley ingest)")
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], list[tuple[EntityRecord, MatchKind]]] = OrderedDict()
        self._len = int(self._query("SELECT COUNT(*) FROM records")[0][0])
        # the record ``record()`` answers: ``MemoryNames.by_id``'s (written first, so the lowest id)
        self._current = "SELECT MIN(rid) FROM records WHERE kind = ? AND entity_id = ?"

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @staticmethod
    def _record(row: tuple[Any, ...]) -> EntityRecord:
        kind, entity_id, name, year, popularity = row
        return EntityRecord(kind=kind, entity_id=entity_id, name=name, year=year, popularity=popularity)

    def _lookup(self, code: str, key: str) -> list[tuple[EntityRecord, MatchKind]]:
        cache_key = (code, key)
        with self._lock:
            found = self._cache.get(cache_key)
            if found is not None:
                self._cache.move_to_end(cache_key)
                return found
        rows = self._query(
            "SELECT r.kind, r.entity_id, r.name, r.year, r.popularity, e.match FROM entries e "
            "JOIN records r ON r.rid = e.rid WHERE e.list = ? AND e.key = ? ORDER BY e.pos",
            (code, key),
        )
        found = [(self._record(row[:5]), row[5]) for row in rows]
        with self._lock:
            self._cache[cache_key] = found
            if len(self._cache) > CACHE_LOOKUPS:
                self._cache.popitem(last=False)
        return found

    def __len__(self) -> int:
        return self._len

    def record(self, kind: EntityKind, entity_id: str) -> EntityRecord | None:
        rows = self._query(
            f"SELECT kind, entity_id, name, year, popularity FROM records WHERE rid = ({self._current})",
            (kind, entity_id),
        )
        return self._record(rows[0]) if rows else None

    def titles(self, key: str) -> list[tuple[EntityRecord, MatchKind]]:
        return self._lookup("t", key)

    def people(self, key: str) -> list[EntityRecord]:
        return [r for r, _ in self._lookup("p", key)]

    def surnames(self, key: str) -> list[EntityRecord]:
        return [r for r, _ in self._lookup("s", key)]

    def genres(self, key: str) -> list[EntityRecord]:
        return [r for r, _ in self._lookup("g", key)]

    def keywords(self, key: str) -> list[EntityRecord]:
        return [r for r, _ in self._lookup("k", key)]

    def closest(
        self, keys: KeyList, key: str, scorer: Scorer, limit: int, cutoff: float
    ) -> list[tuple[str, float]]:
        grams = sorted({key[i : i + 3] for i in range(len(key) - 2)})
        if not grams:
            return []
        marks = ",".join("?" * len(grams))
        counts = self._query(f"SELECT term, doc FROM vocab_{keys} WHERE term IN ({marks})", tuple(grams))
        rarest = [term for term, _ in sorted(counts, key=lambda row: (row[1], row[0]))][:RAREST_GRAMS]
        if not rarest:
            return []
        expression = " OR ".join('"' + gram.replace('"', '""') + '"' for gram in rarest)
        rows = self._query(
            f"SELECT key FROM keys_{keys} WHERE kid IN (SELECT rowid FROM fts_{keys} WHERE fts_{keys} "
            "MATCH ? LIMIT ?) ORDER BY kid",
            (expression, MAX_FUZZY_KEYS),
        )
        return extract(key, [row[0] for row in rows], scorer, limit, cutoff)

    def close(self) -> None:
        with self._lock:
            self._db.close()
