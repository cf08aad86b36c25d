"""The item table on disk, for a catalogue too big for every worker to hold it (``items_in_memory_max``).

``write_item_store`` writes the rows of an ``ItemTable`` to one SQLite file (at ingest, or once at
start); ``DiskItemTable`` reads them per request (the candidates of a turn) through a bounded LRU
cache of rows, with the same interface and the same rows as the in-memory table, in the same order.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, ValuesView
from pathlib import Path
from typing import Any

from tools.card_facts import CardFacts, CardFactSource
from tools.errors import ParleyError
from tools.item_table import ItemRow, ItemTable

SCHEMA = (
    "CREATE TABLE items (pos INTEGER PRIMARY KEY, item_id INTEGER NOT NULL UNIQUE, row TEXT NOT NULL)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE card_facts (item_id INTEGER PRIMARY KEY, facts TEXT NOT NULL)",
)


def _encode(row: ItemRow) -> str:
    """One row as JSON; ``features`` is not stored (it is derived from genres, directors, keywords)."""
    fields = [
        row.title, row.year, sorted(row.genres), sorted(row.directors), sorted(row.cast),
        sorted(row.keywords), row.franchise, row.popularity, row.recent_popularity, row.runtime,
        row.language, sorted(row.countries),
    ]  # fmt: skip
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _decode(item_id: int, text: str) -> ItemRow:
    title, year, genres, directors, cast, keywords, franchise, pop, recent, runtime, lang, countries = (
        json.loads(text)
    )
    features = frozenset(
        {f"g:{g}" for g in genres} | {f"d:{d}" for d in directors} | {f"k:{k}" for k in keywords}
    )
    return ItemRow(
        item_id=item_id,
        title=title,
        year=year,
        genres=frozenset(genres),
        directors=frozenset(directors),
        cast=frozenset(cast),
        keywords=frozenset(keywords),
        franchise=franchise,
        popularity=pop,
        recent_popularity=recent,
        features=features,
        runtime=runtime,
        language=lang,
        countries=frozenset(countries),
    )


def write_item_store(
    rows: Iterable[ItemRow],
    path: Path,
    latest_year: int | None,
    cards: Iterable[tuple[int, CardFacts]] = (),
) -> Path:
    """Write ``rows`` (in their order) and the card facts of items to a fresh SQLite file at
    ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # workers of one host may write at once
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        for statement in SCHEMA:
            db.execute(statement)
        db.executemany(
            "INSERT INTO items (item_id, row) VALUES (?, ?)", ((r.item_id, _encode(r)) for r in rows)
        )
        db.executemany(
            "INSERT INTO card_facts VALUES (?, ?)", ((i, facts.model_dump_json()) for i, facts in cards)
        )
        db.execute("INSERT INTO meta VALUES ('latest_year', ?)", (json.dumps(latest_year),))
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    return path


class _Values(ValuesView[ItemRow]):
    """Every row, streamed from the file in table order (not through the cache)."""

    def __init__(self, rows: DiskRows) -> None:
        super().__init__(rows)
        self._rows = rows

    def __iter__(self) -> Iterator[ItemRow]:
        return self._rows.stream()


class DiskRows(Mapping[int, ItemRow]):
    """Item rows by id, read from the SQLite file with an LRU cache of ``cache_size`` rows."""

    def __init__(self, path: Path, cache_size: int) -> None:
        if not path.is_file():
            raise ParleyError(f"no item store at {path} (written by parley ingest)")
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, ItemRow] = OrderedDict()
        self.cache_size = max(1, cache_size)
        self._len = int(self._query("SELECT COUNT(*) FROM items")[0][0])

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def meta(self, key: str) -> Any:
        found = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(found[0][0]) if found else None

    def get_row(self, item_id: int) -> ItemRow | None:
        with self._lock:
            row = self._cache.get(item_id)
            if row is not None:
                self._cache.move_to_end(item_id)
                return row
            found = self._db.execute("SELECT row FROM items WHERE item_id = ?", (item_id,)).fetchone()
            if found is None:
                return None
            row = _decode(item_id, found[0])
            self._cache[item_id] = row
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return row

    def __getitem__(self, item_id: int) -> ItemRow:
        row = self.get_row(item_id) if isinstance(item_id, int) else None
        if row is None:
            raise KeyError(item_id)
        return row

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, int) and self.get_row(item_id) is not None

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        return iter([int(r[0]) for r in self._query("SELECT item_id FROM items ORDER BY pos")])

    def stream(self, batch: int = 10_000) -> Iterator[ItemRow]:
        """Every row in table order, ``batch`` rows per read (the lock is not held in between)."""
        last = 0
        while True:
            found = self._query(
                "SELECT pos, item_id, row FROM items WHERE pos > ? ORDER BY pos LIMIT ?", (last, batch)
            )
            if not found:
                return
            for _pos, item_id, text in found:
                yield _decode(int(item_id), text)
            last = int(found[-1][0])

    def values(self) -> ValuesView[ItemRow]:
        return _Values(self)

    def card_facts(self, item_id: int) -> CardFacts | None:
        found = self._query("SELECT facts FROM card_facts WHERE item_id = ?", (item_id,))
        return CardFacts.model_validate_json(found[0][0]) if found else None

    def close(self) -> None:
        with self._lock:
            self._db.close()


class DiskItemTable(ItemTable):
    """``ItemTable`` over an item store file: the same rows, read per request."""

    def __init__(self, path: Path, cache_size: int = 20_000) -> None:
        rows = DiskRows(path, cache_size)
        super().__init__(rows, latest_year=rows.meta("latest_year"))
        self.disk_rows = rows
        self.path = path

    @classmethod
    def write(cls, table: ItemTable, path: Path, cache_size: int = 20_000) -> DiskItemTable:
        """Write ``table``'s rows to ``path`` and open them from there."""
        write_item_store(table.rows.values(), path, table.latest_year)
        return cls(path, cache_size)


class DiskCardFacts(CardFactSource):
    """The card facts an item store holds, read per card."""

    def __init__(self, table: DiskItemTable) -> None:
        self.rows = table.disk_rows

    def get(self, item_id: int) -> CardFacts | None:
        return self.rows.card_facts(item_id)
