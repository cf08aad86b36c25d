"""Reading and checking the CSV files of a catalogue (see ``retrieval/catalogue_types.py``).

Every problem becomes a ``CatalogueError(path, line, problem)`` with the 1-based line number in
the file (the header is line 1). When a file has several problems, the one on the lowest line is
reported. Files are read with :mod:`csv` (RFC 4180 quoting: quoted fields may hold commas, quotes
and newlines; the line reported is the line where the record starts). A UTF-8 byte-order mark and
CRLF line endings are accepted; blank lines are skipped; surrounding spaces of a field are
dropped; columns beyond the required ones are ignored. The value checks are vectorised (pandas),
so a large ``ratings.csv`` is checked quickly.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from retrieval.catalogue_types import FACT_RELATIONS
from retrieval.errors import CatalogueError

YEAR_RANGE = (1870, 2100)
RATING_RANGE = (0.5, 5.0)
IMDB_ID = r"tt\d{7,10}"
_INT = r"[+-]?\d{1,18}"

Message = Callable[[int], str]
Check = tuple[np.ndarray, Message]  # (mask of bad rows, message for a bad row index)


@dataclass
class Table:
    """The required columns of one CSV file, as stripped strings, and each record's first line."""

    path: Path
    columns: dict[str, pd.Series]
    lines: list[int]
    bad_width: np.ndarray  # mask of records whose field count differs from the header's
    field_counts: dict[int, int]  # their field counts, by record index
    width: int

    def __len__(self) -> int:
        return len(self.lines)

    def col(self, name: str) -> pd.Series:
        return self.columns[name]

    def error(self, row: int | None, problem: str) -> CatalogueError:
        return CatalogueError(str(self.path), None if row is None else self.lines[row], problem)


def read_table(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Table:
    """Read ``path`` with its header; check the header names ``required`` and each row's width.
    ``optional`` columns are read when the header has them and are empty strings otherwise."""
    try:
        return _read(path, required, optional)
    except UnicodeDecodeError as exc:
        line = _line_of_bad_byte(path)
        raise CatalogueError(str(path), line, f"not valid UTF-8 ({exc.reason})") from exc


def _read(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Table:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
        except csv.Error as exc:
            raise CatalogueError(str(path), 1, f"unreadable header ({exc})") from exc
        if not any(header):
            raise CatalogueError(str(path), 1, f"no header row (expected: {','.join(required)})")
        for name in required:
            if name not in header:
                raise CatalogueError(
                    str(path), 1, f"missing column '{name}' (header has: {','.join(header)})"
                )
        doubled = sorted({n for n in header if n and header.count(n) > 1})
        if doubled:
            raise CatalogueError(str(path), 1, f"column '{doubled[0]}' appears twice in the header")
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        wrong: dict[int, int] = {}  # record index -> its field count, where it differs from the header's
        end = reader.line_num
        try:
            for row in reader:
                start, end = end + 1, reader.line_num
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    wrong[len(lines)] = len(row)
                    row = (row + [""] * width)[:width]
                lines.append(start)
                rows.append(row)
        except csv.Error as exc:
            raise CatalogueError(str(path), end + 1, f"malformed CSV ({exc})") from exc
    data = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    columns = {
        name: pd.Series([value.strip() for value in data[header.index(name)]], dtype=object)
        for name in (*required, *optional)
        if name in header
    }
    columns.update({name: pd.Series([""] * len(lines), dtype=object) for name in optional if name not in header})
    bad_width = np.zeros(len(lines), dtype=bool)
    bad_width[list(wrong)] = True
    return Table(path, columns, lines, bad_width, wrong, width)


def _line_of_bad_byte(path: Path) -> int:
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return 1


def raise_first(table: Table, checks: Sequence[Check]) -> None:
    """Raise the problem on the lowest line (earlier checks win on the same line)."""
    width_check: Check = (
        table.bad_width,
        lambda i: f"expected {table.width} fields, found {table.field_counts[i]}",
    )
    best: tuple[int, Message] | None = None
    for bad, message in (width_check, *checks):
        hits = np.flatnonzero(bad)
        if hits.size and (best is None or hits[0] < best[0]):
            best = (int(hits[0]), message)
    if best is not None:
        raise table.error(best[0], best[1](best[0]))


def matches(text: pd.Series, pattern: str) -> np.ndarray:
    return text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _plain_digits(text: pd.Series) -> bool:
    """Every value is 1-18 ASCII digits (then ``astype(int64)`` cannot fail or misread)."""
    values = text.tolist()
    if not values or not all(values) or max(map(len, values)) > 18:
        return False
    joined = "".join(values)
    return joined.isascii() and joined.isdigit()


@dataclass
class IntColumn:
    """A parsed integer column: ``values`` (0 where empty or malformed), ``ok`` (parsed), checks."""

    values: np.ndarray
    ok: np.ndarray
    checks: list[Check]


def int_column(table: Table, name: str, optional: bool = False, positive: bool = False) -> IntColumn:
    text = table.col(name)
    if _plain_digits(text):  # the common case, checked without a regex per value
        values = text.astype(np.int64).to_numpy()
        ok, empty = np.ones(len(text), dtype=bool), np.zeros(len(text), dtype=bool)
    else:
        empty = (text == "").to_numpy(dtype=bool)
        ok = matches(text, _INT)
        values = np.zeros(len(text), dtype=np.int64)
        if ok.any():
            values[ok] = text[ok].astype(np.int64).to_numpy()
    checks: list[Check] = [(~ok & ~empty, lambda i: f"{name} '{text.iat[i]}' is not an integer")]
    if not optional:
        checks.append((empty, lambda i: f"{name} is empty"))
    if positive:
        checks.append((ok & (values < 1), lambda i: f"{name} {values[i]} is not a positive integer"))
    return IntColumn(values, ok, checks)


def dangling_check(item_ids: IntColumn, known: np.ndarray, items_file: str) -> Check:
    """Rows whose well-formed ``item_id`` is not in items."""
    values = item_ids.values
    bad = item_ids.ok & (values >= 1) & ~np.isin(values, known)
    return bad, lambda i: f"item_id {values[i]} is not in {items_file}"


def duplicate_check(table: Table, keys: pd.DataFrame, what: Callable[[int], str]) -> Check:
    """Second and later rows with the same key; the message points back at the first."""
    doubled = keys.duplicated(keep="first").to_numpy(dtype=bool)

    def message(i: int) -> str:
        row = keys.iloc[i]
        first = int(np.flatnonzero((keys == row).all(axis=1).to_numpy())[0])
        return f"duplicate {what(i)} (first at line {table.lines[first]})"

    return doubled, message


def nonempty_check(table: Table, name: str) -> Check:
    return (table.col(name) == "").to_numpy(dtype=bool), lambda i: f"{name} is empty"


def check_items(table: Table) -> dict[str, np.ndarray]:
    """Validate items.csv; returns the parsed ``item_id``, ``year``, ``tmdb_id`` and ``runtime``
    (0 = empty)."""
    ids = int_column(table, "item_id", positive=True)
    year = int_column(table, "year", optional=True)
    tmdb = int_column(table, "tmdb_id", optional=True, positive=True)
    runtime = int_column(table, "runtime", optional=True, positive=True)
    imdb = table.col("imdb_id")
    imdb_bad = (imdb != "").to_numpy(dtype=bool) & ~matches(imdb, IMDB_ID)
    lo, hi = YEAR_RANGE
    years = year.values
    keys = pd.DataFrame({"item_id": np.where(ids.ok, ids.values, -np.arange(1, len(table) + 1))})
    checks = [
        *ids.checks,
        nonempty_check(table, "title"),
        *year.checks,
        (year.ok & ((years < lo) | (years > hi)), lambda i: f"year {years[i]} is not in {lo}..{hi}"),
        (imdb_bad, lambda i: f"imdb_id '{imdb.iat[i]}' is not of the form tt0114709"),
        *tmdb.checks,
        *runtime.checks,
        duplicate_check(table, keys, lambda i: f"item_id {ids.values[i]}"),
    ]
    raise_first(table, checks)
    if not len(table):
        raise table.error(None, "no items (the file has a header but no rows)")
    return {"item_id": ids.values, "year": years, "tmdb_id": tmdb.values, "runtime": runtime.values}


def check_ratings(table: Table, known: np.ndarray, items_file: str) -> pd.DataFrame:
    """Validate ratings.csv; returns user_id, item_id, timestamp (int64) and rating (float64)."""
    users = int_column(table, "user_id")
    ids = int_column(table, "item_id", positive=True)
    stamps = int_column(table, "timestamp")
    text = table.col("rating")
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    lo, hi = RATING_RANGE
    unparsed = np.isnan(values)
    keys = pd.DataFrame({"user_id": users.values, "item_id": ids.values})
    checks = [
        *users.checks,
        *ids.checks,
        (unparsed & (text != "").to_numpy(dtype=bool), lambda i: f"rating '{text.iat[i]}' is not a number"),
        nonempty_check(table, "rating"),
        (~unparsed & ((values < lo) | (values > hi)), lambda i: f"rating {values[i]} is not in {lo}..{hi}"),
        *stamps.checks,
        dangling_check(ids, known, items_file),
        duplicate_check(table, keys, lambda i: f"rating of item {ids.values[i]} by user {users.values[i]}"),
    ]
    raise_first(table, checks)
    return pd.DataFrame(
        {"user_id": users.values, "item_id": ids.values, "rating": values, "timestamp": stamps.values}
    )


def check_facts(table: Table, known: np.ndarray, items_file: str) -> pd.DataFrame:
    """Validate facts.csv; returns item_id, relation, value (exact duplicate rows dropped)."""
    ids = int_column(table, "item_id", positive=True)
    relation = table.col("relation")
    allowed = ", ".join(FACT_RELATIONS)
    unknown = ~relation.isin(FACT_RELATIONS).to_numpy(dtype=bool)
    checks = [
        *ids.checks,
        (unknown, lambda i: f"unknown relation '{relation.iat[i]}' (expected one of: {allowed})"),
        nonempty_check(table, "value"),
        dangling_check(ids, known, items_file),
    ]
    raise_first(table, checks)
    frame = pd.DataFrame({"item_id": ids.values, "relation": relation, "value": table.col("value")})
    return frame.drop_duplicates().reset_index(drop=True)


def check_tags(table: Table, known: np.ndarray, items_file: str) -> pd.DataFrame:
    """Validate tags.csv; returns user_id, item_id, tag, timestamp."""
    users = int_column(table, "user_id")
    ids = int_column(table, "item_id", positive=True)
    stamps = int_column(table, "timestamp")
    checks = [
        *users.checks,
        *ids.checks,
        nonempty_check(table, "tag"),
        *stamps.checks,
        dangling_check(ids, known, items_file),
    ]
    raise_first(table, checks)
    tags = table.col("tag").to_numpy()
    return pd.DataFrame(
        {"user_id": users.values, "item_id": ids.values, "tag": tags, "timestamp": stamps.values}
    )


def split_genres(text: str) -> tuple[str, ...]:
    return tuple(g for g in (part.strip() for part in text.split("|")) if g)
