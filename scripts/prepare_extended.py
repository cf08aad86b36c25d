"""Build ``data/extended_titles.csv.gz``: the MovieLens films outside the bundled catalogue, for
linking only (``tools.linking.extended``: "I loved Joker (2019)" is understood, never recommended).

Usage::

    .venv/bin/python scripts/prepare_extended.py [--source /work/shared/data] [--out data]

Reads ``movielens-extended-catalogue/ml-32m_movies.csv`` (87,585 films: title and genres) and keeps
the films whose ``movieId`` is not in ``OUT/items.csv``; titles are put in natural order like the
catalogue's (``scripts/prepare_data_text.split_title``). Columns: ``movieId,title,year,genres``
(year empty when MovieLens gives none; "(no genres listed)" dropped). Rows sorted by ``movieId``,
UTF-8, LF, gzip without a timestamp: re-running gives byte-identical output. Terms: the MovieLens
usage licence (``data/README.md``).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

from prepare_data_text import movielens_genres, split_title

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FILE = "movielens-extended-catalogue/ml-32m_movies.csv"
OUT_FILE = "extended_titles.csv.gz"
COLUMNS = ("movieId", "title", "year", "genres")


def extended_rows(movies_csv: Path, known: set[int]) -> list[tuple[int, str, str, str]]:
    """(movieId, title, year, genres) of every ml-32m film whose id is not in ``known``."""
    rows = []
    with movies_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            movie_id = int(row["movieId"])
            if movie_id in known:
                continue
            title, year, _ = split_title(row["title"])
            if title:
                rows.append(
                    (movie_id, title, "" if year is None else str(year), movielens_genres(row["genres"]))
                )
    return sorted(rows)


def write_extended(source: Path, out: Path) -> int:
    """Write ``out/extended_titles.csv.gz`` from the staged data; returns the number of films."""
    with (out / "items.csv").open(encoding="utf-8", newline="") as handle:
        known = {int(row["item_id"]) for row in csv.DictReader(handle)}
    rows = extended_rows(source / SOURCE_FILE, known)
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    with (
        (out / OUT_FILE).open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as packed,
    ):
        packed.write(text.getvalue().encode("utf-8"))
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    count = write_extended(args.source, args.out)
    print(f"{args.out / OUT_FILE}: {count:,} films outside items.csv")


if __name__ == "__main__":
    main()
