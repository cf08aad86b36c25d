"""Build Parley's bundled catalogue (``data/``) from the staged public datasets.

Usage::

    .venv/bin/python scripts/prepare_data.py [--source /work/shared/data] [--out data]

Item ids are MovieLens ``movieId`` everywhere. The output follows the catalogue contract of
``retrieval/catalogue_types.py`` (``items.csv``, ``ratings.csv``, ``facts.csv``, ``tags.csv``);
``data/dev/`` receives unchanged copies of the development dialogue data. Files are written
sorted, UTF-8 with LF line endings, so re-running the script gives byte-identical output.
The sources, what is taken from each and their licences are described in ``data/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from prepare_chat_films import chat_films
from prepare_data_text import (
    LOST,
    clean,
    fold,
    json_names,
    link_ids,
    movielens_genres,
    py_list,
    repair_hetrec_name,
    runtime_minutes,
    split_title,
)
from prepare_extended import write_extended

ROOT = Path(__file__).resolve().parent.parent
RELATIONS = ("director", "cast", "country", "keyword")
MAX_CAST = 8
PLACEHOLDER_PLOTS = ("It looks like we don't have", "Add a Plot")
# HetRec's country names are kept; TMDB's are mapped onto them.
TMDB_COUNTRY = {
    "United States of America": "USA",
    "United Kingdom": "UK",
    "Libyan Arab Jamahiriya": "Libya",
    "Macedonia": "Republic of Macedonia",
}
TOP1000_YEAR_FIX = {"Apollo 13": 1995}  # the copy says 1999 (see its SOURCE.md)
DEV_FILES = (
    "redial/dev_half.jsonl",
    "redial/movies_with_mentions.csv",
    "redial/SOURCE.md",
    "redial/website_index.md",
    "redial/datasheet.md",
    "crosswalks/redial_movies_to_movielens.csv",
    "crosswalks/inspired_titles_to_movielens.csv",
    "crosswalks/SOURCE.md",
    "inspired/dialog_data/dev.tsv",
    "inspired/dialog_data/README.md",
    "inspired/README.md",
    "inspired/SOURCE.md",
)


@dataclass
class ItemRow:
    item_id: int
    title: str
    year: int | None
    genres: str
    imdb_id: str
    tmdb_id: int | None
    overview: str = ""
    runtime: int | None = None  # minutes
    language: str = ""  # original language, ISO 639-1 (TMDB)
    names: list[str] = field(default_factory=list)  # main and alternative titles, for matching
    overview_source: str = ""
    runtime_source: str = ""


def read_rows(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        if delimiter == "\t":  # the HetRec files: tab-separated, no quoting
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        return list(csv.DictReader(handle, delimiter=delimiter))


class FactTable:
    """Facts in source order, de-duplicated per (item, relation) on the folded value."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []
        self.by_source: Counter[tuple[str, str]] = Counter()  # (relation, source) -> facts kept
        self._seen: set[tuple[int, str, str]] = set()

    def add(self, item_id: int, relation: str, values: Iterable[str], source: str) -> int:
        added = 0
        for raw in values:
            value = clean(raw)
            key = (item_id, relation, fold(value) or value.lower())
            if value and key not in self._seen:
                self._seen.add(key)
                self.rows.append((item_id, relation, value))
                added += 1
                self.by_source[relation, source] += 1
        return added

    def items_with(self, relation: str) -> set[int]:
        return {i for i, r, _ in self.rows if r == relation}

    def frame(self) -> pd.DataFrame:
        order = {r: n for n, r in enumerate(RELATIONS)}
        rows = sorted(self.rows, key=lambda row: (row[0], order[row[1]]))  # stable: billing order kept
        return pd.DataFrame(rows, columns=["item_id", "relation", "value"])


def load_movielens(src: Path) -> dict[int, ItemRow]:
    ml = src / "movielens-latest-small"
    links = {row["movieId"]: row for row in read_rows(ml / "links.csv")}
    items = {}
    for row in read_rows(ml / "movies.csv"):
        title, year, names = split_title(row["title"])
        imdb_id, tmdb_id = link_ids(links[row["movieId"]])
        item = ItemRow(
            item_id=int(row["movieId"]),
            title=title,
            year=year,
            genres=movielens_genres(row["genres"]),
            imdb_id=imdb_id,
            tmdb_id=tmdb_id,
            names=names,
        )
        items[item.item_id] = item
    return items


def add_chat_films(src: Path, dev: Path, items: dict[int, ItemRow]) -> int:
    """The ml-32m films real chats named that ml-latest-small lacks, as items without ratings
    (``scripts/prepare_chat_films.py``); the facts are joined to them below like to every item."""
    added = chat_films(src, dev, set(items))
    for film in added:
        items[film.movie_id] = ItemRow(
            item_id=film.movie_id,
            title=film.title,
            year=film.year,
            genres=film.genres,
            imdb_id=film.imdb_id,
            tmdb_id=film.tmdb_id,
            names=film.names,
        )
    return len(added)


def hetrec_agreeing_ids(src: Path, items: dict[int, ItemRow]) -> set[int]:
    """HetRec ids whose movie is the MovieLens movie: same IMDb id, or same title and year.

    HetRec linked MovieLens titles to IMDb by itself and picked another film for about 560 ids
    (3006 "The Insider" -> "Inside Man"); their directors and countries are left out.
    """
    rows = read_rows(src / "hetrec2011-movielens-2k" / "movies.dat", "\t", "iso-8859-1")
    agree = set()
    for row in rows:
        item = items.get(int(row["id"]))
        if item is None:
            continue
        same_imdb = bool(row["imdbID"]) and item.imdb_id == f"tt{int(row['imdbID']):07d}"
        same_title = any(fold(n) == fold(row["title"]) for n in item.names)
        if same_imdb or (same_title and str(item.year) == row["year"]):
            agree.add(item.item_id)
    return agree


def add_hetrec_countries(src: Path, agree: set[int], facts: FactTable) -> None:
    for row in read_rows(src / "hetrec2011-movielens-2k" / "movie_countries.dat", "\t"):
        if int(row["movieID"]) in agree:
            facts.add(int(row["movieID"]), "country", [row["country"]], "HetRec")


def add_hetrec_directors(src: Path, agree: set[int], facts: FactTable) -> tuple[int, int]:
    """HetRec directors for the items no IMDb source gave one. Returns (restored, dropped) names."""
    path = src / "hetrec2011-movielens-2k" / "movie_directors.dat"
    with path.open(encoding="utf-8", newline="") as handle:  # header "movieID directorID<TAB>..."
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    pool: dict[str, list[str]] = {}
    for _, relation, value in facts.rows:
        if relation in ("director", "cast") and not value.isascii():
            pool.setdefault(fold(value)[:3], []).append(value)
    have = facts.items_with("director")
    restored = dropped = 0
    for movie_id, director_id, raw_name in rows:
        item_id = int(movie_id)
        if item_id not in agree or item_id in have:
            continue
        name = repair_hetrec_name(raw_name, director_id, pool)
        restored += LOST in raw_name and name is not None
        dropped += name is None
        facts.add(item_id, "director", [name] if name else [], "HetRec")
    return restored, dropped


def set_runtime(item: ItemRow, text: str, source: str) -> None:
    minutes = runtime_minutes(text)
    if item.runtime is None and minutes is not None:
        item.runtime, item.runtime_source = minutes, source


def add_tmdb(src: Path, items: dict[int, ItemRow], facts: FactTable) -> None:
    """Overview, keywords, runtime and original language; production countries where HetRec gave
    no country."""
    by_tmdb = {int(r["id"]): r for r in read_rows(src / "tmdb-5000-movies" / "tmdb_5000_movies.csv")}
    had_country = facts.items_with("country")
    for item in items.values():
        row = by_tmdb.get(item.tmdb_id or 0)
        if row is None:
            continue
        item.overview, item.overview_source = clean(row["overview"]), "TMDB"
        set_runtime(item, row["runtime"], "TMDB")
        item.language = clean(row["original_language"]).lower()
        facts.add(item.item_id, "keyword", json_names(row["keywords"]), "TMDB")
        if item.item_id not in had_country:
            countries = [TMDB_COUNTRY.get(n, n) for n in json_names(row["production_countries"])]
            facts.add(item.item_id, "country", countries, "TMDB")


def add_imdb_details(src: Path, items: dict[int, ItemRow], facts: FactTable) -> None:
    """Directors, first cast members and (where TMDB has none) the plot and runtime, joined on the
    IMDb id."""
    by_imdb: dict[str, dict[str, str]] = {}
    for row in read_rows(src / "imdb-details-ml100k" / "movielens100k_details.csv"):
        tt = row["movie_url"].split("/title/")[-1].split("/")[0]
        by_imdb.setdefault(tt, row)
    for item in items.values():
        found = by_imdb.get(item.imdb_id)
        if found is None:
            continue
        facts.add(item.item_id, "director", py_list(found["director"]), "IMDb ML-100K details")
        facts.add(item.item_id, "cast", py_list(found["cast"])[:MAX_CAST], "IMDb ML-100K details")
        set_runtime(item, found["movie_length"], "IMDb ML-100K details")
        plot = clean(found["description"])
        if not item.overview and not plot.startswith(PLACEHOLDER_PLOTS):
            item.overview, item.overview_source = plot, "IMDb ML-100K details"


def add_imdb_top1000(src: Path, items: dict[int, ItemRow], facts: FactTable) -> int:
    """Director, four stars, overview and runtime where still missing, joined on title + year (±1)."""
    index: dict[tuple[str, int], int] = {}
    for item in items.values():
        for name in item.names:
            if item.year is not None:
                index.setdefault((fold(name), item.year), item.item_id)
    with_director, with_cast = facts.items_with("director"), facts.items_with("cast")
    matched = 0
    for row in read_rows(src / "imdb-top-1000" / "imdb_top_1000.csv"):
        title, year_text = clean(row["Series_Title"]), clean(row["Released_Year"])
        year = TOP1000_YEAR_FIX.get(title, int(year_text) if year_text.isdigit() else 0)
        key = fold(title)
        item_id = index.get((key, year))
        near = {index[k] for k in ((key, year - 1), (key, year + 1)) if k in index}
        if item_id is None and len(near) == 1:  # IMDb and MovieLens years differ by one for some
            item_id = near.pop()
        if item_id is None:
            continue
        matched += 1
        set_runtime(items[item_id], row["Runtime"], "IMDb Top-1000")
        if item_id not in with_director:
            facts.add(item_id, "director", [row["Director"]], "IMDb Top-1000")
        if item_id not in with_cast:
            stars = [row["Star1"], row["Star2"], row["Star3"], row["Star4"]]
            facts.add(item_id, "cast", stars, "IMDb Top-1000")
        if not items[item_id].overview:
            items[item_id].overview = clean(row["Overview"])
            items[item_id].overview_source = "IMDb Top-1000"
    return matched


def add_ml25m_keywords(src: Path, items: dict[int, ItemRow], facts: FactTable) -> int:
    """Keywords of the UserSimCRS ML-25M sample, for items TMDB gave none. Returns items filled."""
    path = src / "usersimcrs-movielens-samples" / "movielens-25m-sample" / "movies_w_keywords.csv"
    have = facts.items_with("keyword")
    filled = 0
    for row in read_rows(path):
        item_id = int(row["movieId"])
        if item_id in items and item_id not in have:
            filled += facts.add(item_id, "keyword", row["keywords"].split("|"), "ML-25M sample") > 0
    return filled


def load_ratings_tags(src: Path, known: set[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ml = src / "movielens-latest-small"
    names = {"userId": "user_id", "movieId": "item_id"}
    ratings = pd.read_csv(ml / "ratings.csv").rename(columns=names)
    ratings = ratings.sort_values(["user_id", "item_id", "timestamp"], kind="stable")
    tags = pd.read_csv(ml / "tags.csv", dtype={"tag": str}, keep_default_na=False).rename(columns=names)
    tags["tag"] = tags["tag"].map(clean)
    tags = tags[(tags["tag"] != "") & tags["item_id"].isin(list(known))]
    tags = tags.sort_values(["user_id", "item_id", "timestamp", "tag"], kind="stable")
    return ratings.reset_index(drop=True), tags.reset_index(drop=True)


def items_frame(items: dict[int, ItemRow]) -> pd.DataFrame:
    rows = [asdict(items[i]) for i in sorted(items)]
    frame = pd.DataFrame(rows).drop(columns=["names", "overview_source", "runtime_source"])
    return frame.astype({"year": "Int64", "tmdb_id": "Int64", "runtime": "Int64"})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def copy_dev_and_licences(src: Path, out: Path) -> None:
    for rel in DEV_FILES:
        target = out / "dev" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
    readme = (src / "movielens-latest-small" / "README.txt").read_text(encoding="utf-8")
    lines = [line.rstrip() for line in readme.splitlines()]
    start, end = lines.index("Usage License"), lines.index("Further Information About GroupLens")
    head = "MovieLens ml-latest-small: licence and citation (from the dataset's README.txt)\n\n"
    text = head + "\n".join(lines[start:end]).rstrip() + "\n"
    (out / "LICENSE-movielens.txt").write_text(text, encoding="utf-8")
    readme = (src / "hetrec2011-movielens-2k" / "readme.txt").read_text(encoding="iso-8859-1")
    lines = [line.rstrip() for line in readme.splitlines()]
    start, end = lines.index("License") - 1, lines.index("Credits") - 1  # underlined headings
    head = "HetRec 2011 MovieLens-2k: licence and references (from the dataset's readme.txt)\n\n"
    text = head + "\n".join(lines[start:end]).rstrip() + "\n"
    (out / "LICENSE-hetrec.txt").write_text(text, encoding="utf-8")


def report(items: pd.DataFrame, ratings: pd.DataFrame, facts: pd.DataFrame, tags: pd.DataFrame) -> None:
    n = len(items)
    print(f"items {n:,}  ratings {len(ratings):,}  facts {len(facts):,}  tags {len(tags):,}")
    per_item = ratings.groupby("item_id").size()
    for relation in RELATIONS:
        ids = facts.loc[facts["relation"] == relation, "item_id"]
        covered = ids.nunique()
        weight = per_item[per_item.index.isin(ids)].sum() / len(ratings)
        print(
            f"  {relation:<8} {len(ids):>7,} facts on {covered:>5,} items ({covered / n:.1%});"
            f" those items carry {weight:.1%} of the ratings"
        )
    with_overview = items["overview"] != ""
    weight = per_item[per_item.index.isin(items.loc[with_overview, "item_id"])].sum() / len(ratings)
    print(
        f"  overview {'':>7} on {int(with_overview.sum()):>5,} items ({with_overview.mean():.1%});"
        f" those items carry {weight:.1%} of the ratings"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build data/ from the staged public datasets.")
    parser.add_argument("--source", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--without-imdb", action="store_true", help="leave out the two IMDb-scraped extracts")
    args = parser.parse_args(argv)
    src, out = args.source, args.out
    out.mkdir(parents=True, exist_ok=True)

    copy_dev_and_licences(src, out)  # first: the chat films are read from the copied dialogues
    items = load_movielens(src)
    n_chat = add_chat_films(src, out / "dev", items)
    facts = FactTable()
    agree = hetrec_agreeing_ids(src, items)
    add_hetrec_countries(src, agree, facts)
    add_tmdb(src, items, facts)
    tmdb_keywords = len(facts.items_with("keyword"))
    top_matched = 0
    if not args.without_imdb:
        add_imdb_details(src, items, facts)
        top_matched = add_imdb_top1000(src, items, facts)
    imdb_directed = len(facts.items_with("director"))
    restored, dropped = add_hetrec_directors(src, agree, facts)
    ml_keywords = add_ml25m_keywords(src, items, facts)
    ratings, tags = load_ratings_tags(src, set(items))

    item_frame, fact_frame = items_frame(items), facts.frame()
    write_csv(item_frame, out / "items.csv")
    write_csv(ratings, out / "ratings.csv")
    write_csv(fact_frame, out / "facts.csv")
    write_csv(tags, out / "tags.csv")
    extended = write_extended(src, out)  # the films beyond items.csv, for linking only

    n = len(items)
    print(f"films beyond ml-latest-small that the chat corpora name (no ratings): {n_chat:,}")
    print(f"HetRec movies used (IMDb id or title+year agree with MovieLens): {len(agree):,}")
    print(f"IMDb Top-1000 rows matched by title+year: {top_matched}")
    print(f"directors from IMDb extracts on {imdb_directed:,} items; HetRec fills the others")
    print(f"  HetRec names with a lost accent: {restored} restored, {dropped} dropped")
    print(
        f"keywords: TMDB on {tmdb_keywords:,} items ({tmdb_keywords / n:.1%}); ML-25M sample adds {ml_keywords:,}"
    )
    report(item_frame, ratings, fact_frame, tags)
    print(f"extended_titles.csv.gz: {extended:,} films beyond items.csv (linking only)")
    print("provenance:")
    for (relation, source), count in sorted(facts.by_source.items()):
        print(f"  {relation:<8} {source:<22} {count:>7,} facts")
    for source, count in sorted(Counter(i.overview_source for i in items.values() if i.overview).items()):
        print(f"  overview {source:<22} {count:>7,} items")
    for source, count in sorted(Counter(i.runtime_source for i in items.values() if i.runtime).items()):
        print(f"  runtime  {source:<22} {count:>7,} items")
    print(f"  language {'TMDB':<22} {sum(1 for i in items.values() if i.language):>7,} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
