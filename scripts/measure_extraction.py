"""Measures preference extraction on the INSPIRED dev dialogues (seeker turns annotated with
movies, genres and people): precision and recall of the deterministic extractor, and of the
deterministic + LLM extractor when ``--llm`` names a backend.

    .venv/bin/python scripts/measure_extraction.py [--llm embedded] [--limit 200]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.extract import Extraction, extract  # noqa: E402
from bot.llm.factory import backend_from_settings  # noqa: E402
from bot.llm_extract import llm_extract, merge  # noqa: E402
from bot.mentions import link_message  # noqa: E402
from bot.settings import Settings, offline_environment, store_config  # noqa: E402
from eval.corpora import read_crosswalk  # noqa: E402
from tools.engine import Toolbox  # noqa: E402
from tools.linking import GENRE_SYNONYMS, fold  # noqa: E402
from tools.stores import Stores  # noqa: E402

DATA = ROOT / "data" / "dev"


class Counts:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, predicted: set[str], gold: set[str]) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def line(self, name: str) -> str:
        p = self.tp / max(1, self.tp + self.fp)
        r = self.tp / max(1, self.tp + self.fn)
        f = 2 * p * r / max(1e-9, p + r)
        return f"{name:8} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (tp {self.tp}, fp {self.fp}, fn {self.fn})"


def gold_genres(raw: str) -> set[str]:
    out: set[str] = set()
    for part in re.split(r"[;,]", raw):
        key = fold(part)
        out.update(GENRE_SYNONYMS.get(key, ()))
    return out


def predicted_sets(found: Extraction, toolbox: Toolbox) -> tuple[set[str], set[str], set[str]]:
    items = {str(i) for i in found.liked_items + found.disliked_items}
    genres = set(found.genres_in + found.genres_out)
    people = {fold(p) for p in found.liked_people + found.disliked_people}
    return items, genres, people


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--llm", default="none", choices=["none", "embedded", "openai"])
    parser.add_argument("--limit", type=int, default=None, help="annotated seeker turns to use")
    args = parser.parse_args()
    offline_environment()
    settings = Settings()
    toolbox = Toolbox(Stores(store_config(settings)))
    crosswalk = read_crosswalk(
        DATA / "crosswalks" / "inspired_titles_to_movielens.csv", "inspired_title", set(toolbox.items.rows)
    )
    llm = backend_from_settings(settings, args.llm)
    genres = sorted({g for row in toolbox.items.rows.values() for g in row.genres})
    counts = {
        name: {"items": Counts(), "genres": Counts(), "people": Counts()} for name in ("det", "det+llm")
    }
    path = DATA / "inspired" / "dialog_data" / "dev.tsv"
    n = 0
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["speaker"] != "SEEKER" or not (row["movies"] or row["genres"] or row["people_names"]):
                continue
            text = row["text"].replace("QUOTATION_MARK", '"')
            gold_items = {
                str(crosswalk[t.strip()]) for t in row["movies"].split(";") if t.strip() in crosswalk
            }
            gold = (
                gold_items,
                gold_genres(row["genres"]),
                {fold(p) for p in row["people_names"].split(";") if p.strip()},
            )
            found = extract(link_message(text, toolbox.index))
            variants = [("det", found)]
            if llm is not None:
                variants.append(("det+llm", merge(found, llm_extract(text, llm, toolbox.index, genres))))
            for name, extraction in variants:
                for kind, predicted, truth in zip(
                    ("items", "genres", "people"), predicted_sets(extraction, toolbox), gold, strict=True
                ):
                    counts[name][kind].add(predicted, truth)
            n += 1
            if args.limit is not None and n >= args.limit:
                break
    print(f"INSPIRED dev: {n} annotated seeker turns, {time.perf_counter() - started:.1f} s")
    for name, by_kind in counts.items():
        if name == "det+llm" and llm is None:
            continue
        print(f"[{name}]")
        for kind, c in by_kind.items():
            print("  " + c.line(kind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
