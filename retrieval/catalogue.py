"""Load and validate a catalogue directory; fingerprint it so stores can detect changes.

The contract (files, columns, types) is in ``retrieval/catalogue_types.py`` and ``data/README.md``;
the checks themselves are in ``retrieval/catalogue_validation.py``. ``load_catalogue`` reads every
file completely and raises ``CatalogueError(path, line, problem)`` on the first problem, so a
``Catalogue`` that comes back is whole and consistent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from retrieval.catalogue_types import Catalogue, Fact, Item
from retrieval.catalogue_validation import (
    check_facts,
    check_items,
    check_ratings,
    check_tags,
    read_table,
    split_genres,
)
from retrieval.errors import CatalogueError

ITEMS, RATINGS, FACTS, TAGS = "items.csv", "ratings.csv", "facts.csv", "tags.csv"
REQUIRED_FILES = (ITEMS, RATINGS, FACTS)
OPTIONAL_FILES = (TAGS,)
COLUMNS: dict[str, tuple[str, ...]] = {
    ITEMS: ("item_id", "title", "year", "genres", "imdb_id", "tmdb_id", "overview"),
    RATINGS: ("user_id", "item_id", "rating", "timestamp"),
    FACTS: ("item_id", "relation", "value"),
    TAGS: ("user_id", "item_id", "tag", "timestamp"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {ITEMS: ("runtime", "language")}


def _check_directory(path: Path) -> None:
    if not path.is_dir():
        raise CatalogueError(str(path), None, "not a catalogue directory (it does not exist or is a file)")
    for name in REQUIRED_FILES:
        if not (path / name).is_file():
            raise CatalogueError(
                str(path / name), None, f"missing file {name} (required: {', '.join(REQUIRED_FILES)})"
            )


def load_catalogue(path: Path) -> Catalogue:
    """Read and fully validate the catalogue in directory ``path``.

    Raises ``CatalogueError`` naming the file, the 1-based line (header = line 1) and the problem:
    a missing file or column, a row with the wrong number of fields, a malformed or out-of-range
    value, an unknown fact relation, a duplicate ``item_id`` (or duplicate user/item rating), or
    an ``item_id`` in ratings, facts or tags that items.csv does not define.
    """
    path = Path(path)
    _check_directory(path)

    items_table = read_table(path / ITEMS, COLUMNS[ITEMS], OPTIONAL_COLUMNS[ITEMS])
    parsed = check_items(items_table)
    known = np.unique(parsed["item_id"])
    columns = {name: items_table.col(name).tolist() for name in (*COLUMNS[ITEMS], *OPTIONAL_COLUMNS[ITEMS])}
    years, tmdb_ids, runtimes = parsed["year"].tolist(), parsed["tmdb_id"].tolist(), parsed["runtime"].tolist()
    items: dict[int, Item] = {}
    for row, item_id in enumerate(parsed["item_id"].tolist()):
        items[item_id] = Item(
            item_id=item_id,
            title=columns["title"][row],
            year=years[row] if columns["year"][row] else None,
            genres=split_genres(columns["genres"][row]),
            imdb_id=columns["imdb_id"][row] or None,
            tmdb_id=tmdb_ids[row] if columns["tmdb_id"][row] else None,
            overview=columns["overview"][row],
            runtime=runtimes[row] if columns["runtime"][row] else None,
            language=columns["language"][row].lower(),
        )

    ratings = check_ratings(read_table(path / RATINGS, COLUMNS[RATINGS]), known, ITEMS)
    fact_frame = check_facts(read_table(path / FACTS, COLUMNS[FACTS]), known, ITEMS)
    facts = [
        Fact.model_construct(item_id=item_id, relation=relation, value=value)  # validated above
        for item_id, relation, value in zip(
            fact_frame["item_id"].tolist(),
            fact_frame["relation"].tolist(),
            fact_frame["value"].tolist(),
            strict=True,
        )
    ]
    tags = None
    if (path / TAGS).is_file():
        tags = check_tags(read_table(path / TAGS, COLUMNS[TAGS]), known, ITEMS)
    return Catalogue(items=items, ratings=ratings, facts=facts, tags=tags)


def catalogue_fingerprint(path: Path) -> str:
    """sha256 (hex) over the names and bytes of the catalogue files present in ``path``.

    Stores keep it next to what they built and rebuild when it changes. It does not validate.
    """
    path = Path(path)
    _check_directory(path)
    digest = hashlib.sha256()
    for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
        file = path / name
        if not file.is_file():
            digest.update(f"{name}:absent\n".encode())
            continue
        digest.update(f"{name}:{file.stat().st_size}\n".encode())
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
