"""How the films of the development dialogues link: to the catalogue, to the extended titles
(``tools.linking.extended``) or to nothing, before and after the extended lexicon.

Usage::

    .venv/bin/python scripts/linking_coverage.py [--data data]

For ReDial (``dev/redial/dev_half.jsonl``) and INSPIRED (``dev/inspired/dialog_data/dev.tsv``): every
target (a film a recommender message mentions, each occurrence) and every distinct film mentioned.
The truth is the crosswalk's MovieLens id (``dev/crosswalks``); each film's title as the corpus writes
it is linked in "I loved TITLE" (with its year, and without it, as the ReDial replay's seeker text
has it) by the catalogue's linker alone ("before") and with the extended titles ("after"). A link
is "right" when its id is the crosswalk's. Reads only ``data/``; about 20 s.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

from bot.mentions import link_message
from eval.corpora import mentioned_titles, read_inspired, read_redial
from retrieval.catalogue import load_catalogue
from tools.linking import EntityIndex, ExtendedTitles, index_from_catalogue

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "redial": ("redial/dev_half.jsonl", "redial_movies_to_movielens.csv", "redial_movieId"),
    "inspired": ("inspired/dialog_data/dev.tsv", "inspired_titles_to_movielens.csv", "inspired_title"),
}


def truth(path: Path, column: str) -> dict[str, int]:
    """Corpus key -> the crosswalk's MovieLens id (any MovieLens release)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row[column].strip(): int(row["ml_movieId"])
            for row in csv.DictReader(handle)
            if (row.get("ml_movieId") or "").strip().isdigit()
        }


def link_kind(title: str, index: EntityIndex, extended: ExtendedTitles | None) -> tuple[str, int | None]:
    """What "I loved TITLE" links: ("catalogue", id), ("extended", id) or ("nothing", None)."""
    mentions = link_message(f"I loved {title}", index, extended)
    items = [m.best.item_id for m in mentions.found if m.kind == "item"]
    if items:
        return "catalogue", items[0]
    if mentions.outside:
        return "extended", mentions.outside[0].film.movie_id
    return "nothing", None


def tally(
    keys: list[str],
    titles: dict[str, str],
    right: dict[str, int],
    index: EntityIndex,
    extended: ExtendedTitles,
) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    cache: dict[tuple[str, str], tuple[str, int | None]] = {}
    for label, lexicon in (("before", None), ("after", extended)):
        for form in ("with year", "bare"):
            counts: Counter[str] = Counter()
            for key in keys:
                title = titles.get(key, key)
                text = title if form == "with year" else re.sub(r"\s*\(\d{4}\)\s*$", "", title)
                if (label, text) not in cache:
                    cache[(label, text)] = link_kind(text, index, lexicon)
                kind, linked = cache[(label, text)]
                counts[kind] += 1
                counts[f"{kind} right"] += linked is not None and right.get(key) == linked
            out[f"{label}, {form}"] = counts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    catalogue = load_catalogue(args.data)
    index = index_from_catalogue(catalogue)
    extended = ExtendedTitles.load(args.data, catalogue.items)
    for corpus, (dialogues, crosswalk, column) in CORPORA.items():
        path = args.data / "dev" / dialogues
        right = truth(args.data / "dev" / "crosswalks" / crosswalk, column)
        titles = mentioned_titles(corpus, path)
        numbered = {key: n for n, key in enumerate(titles)}  # each target keeps its corpus key
        reader = read_redial if corpus == "redial" else read_inspired
        keys_of = {n: key for key, n in numbered.items()}
        targets = [keys_of[t] for case in reader(path, numbered) for t in case.targets if t is not None]
        for what, keys in (("targets", targets), ("distinct films mentioned", list(titles))):
            ml = [right.get(k) for k in keys]
            shares = Counter(
                "catalogue" if i in catalogue.items else "extended" if i in extended.films else "neither"
                for i in ml
            )
            print(f"\n{corpus} dev, {what}: {len(keys):,} (crosswalk: " + _shares(shares, len(keys)) + ")")
            for label, counts in tally(keys, titles, right, index, extended).items():
                parts = [
                    f"{kind} {counts[kind] / len(keys):.1%} (right {counts[kind + ' right'] / len(keys):.1%})"
                    for kind in ("catalogue", "extended")
                ]
                print(f"  {label:18} " + ", ".join(parts) + f", nothing {counts['nothing'] / len(keys):.1%}")


def _shares(counts: Counter[str], total: int) -> str:
    return ", ".join(f"{k} {counts[k] / max(1, total):.1%}" for k in ("catalogue", "extended", "neither"))


if __name__ == "__main__":
    main()
