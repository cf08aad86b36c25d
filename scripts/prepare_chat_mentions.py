"""Write ``data/chat_mentions.csv``: which catalogue movies real people named in movie chats, and
``data/chat_words.csv``: the content words each seeker used (``retrieval.chats.dialogues.chat_words``;
movie mentions left out), for "chats like this one".

One row per (dialogue, movie, role), ``role`` ``recommender`` or ``seeker``, from three corpora:

* ReDial development half (CC BY 4.0; ``data/dev/redial``): ``@id`` mentions through the crosswalk;
  ids ``redial:<conversationId>``.
* INSPIRED development split (no licence stated; ``data/dev/inspired``): ``[MOVIE_TITLE_i]``
  placeholders through the dialogue's ``movie_dict`` and the crosswalk; ids ``inspired:<dialog_id>``.
* IARD (Cai & Chen 2020, in UserSimCRS, Apache-2.0; ``../shared/data/usersimcrs-dialogues/iard``):
  ReDial dialogues, mentions written as "Title (Year)" and matched to ReDial's movie names. They are
  ReDial dialogues, so their ids are ``redial:<conversationId>``; those of ReDial's test split
  (conversationId >= 20001: the development half and the half kept aside for independent evaluation)
  are left out, so only training-split dialogues are added.

Both development corpora are the ones the harness replays: a replay leaves the replayed dialogue out
(``eval.cases.held_out`` forms the same ``<corpus>:<dialogue id>``), so no case counts its own answers.
Movies outside the catalogue are left out.

    .venv/bin/python scripts/prepare_chat_mentions.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.chats import WORDS_FILE, chat_words  # noqa: E402

DEV = ROOT / "data" / "dev"
MENTION = re.compile(r"@(\d+)")
PLACEHOLDER = re.compile(r"\[MOVIE_TITLE_(\d+)\]")
YEAR = re.compile(r"\((\d{4})\)")
REDIAL_TEST_FIRST_ID = 20001  # ReDial's test split numbers its conversations from 20001
MAX_TITLE_WORDS = 12
Mention = tuple[str, int, str]  # (dialogue id, item id, role)


def read_crosswalk(name: str, key: str, catalogue: set[int], dev: Path = DEV) -> dict[str, int]:
    out: dict[str, int] = {}
    with (dev / "crosswalks" / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("ml_movieId") or "").strip()
            if raw.isdigit() and int(raw) in catalogue:
                out[row[key].strip()] = int(raw)
    return out


def redial(crosswalk: dict[str, int], dev: Path = DEV) -> Iterator[tuple[str, list[Mention], str]]:
    """(dialogue id, mentions, seeker words) of each ReDial development dialogue."""
    with (dev / "redial" / "dev_half.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            dialogue = json.loads(line)
            dialogue_id = f"redial:{dialogue['conversationId']}"
            seeker = dialogue["initiatorWorkerId"]
            found: dict[Mention, None] = {}
            said: set[str] = set()
            for message in dialogue["messages"]:
                role = "seeker" if message["senderWorkerId"] == seeker else "recommender"
                if role == "seeker":
                    said |= chat_words(MENTION.sub(" ", message["text"]))
                for raw in MENTION.findall(message["text"]):
                    if raw in crosswalk:
                        found[(dialogue_id, crosswalk[raw], role)] = None
            yield dialogue_id, list(found), " ".join(sorted(said))


def inspired(crosswalk: dict[str, int], dev: Path = DEV) -> Iterator[tuple[str, list[Mention], str]]:
    """(dialogue id, mentions, seeker words) of each INSPIRED development dialogue."""
    rows: dict[str, list[dict[str, str]]] = {}
    path = dev / "inspired" / "dialog_data" / "dev.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.setdefault(row["dialog_id"], []).append(row)
    for raw_id, utterances in rows.items():
        dialogue_id = f"inspired:{raw_id}"
        found: dict[Mention, None] = {}
        said: set[str] = set()
        for row in utterances:
            role = "seeker" if row["speaker"] == "SEEKER" else "recommender"
            text = row.get("text_with_placeholder") or ""
            try:
                movie_dict = ast.literal_eval(row.get("movie_dict") or "{}")
            except (ValueError, SyntaxError):
                movie_dict = {}
            by_index = {v: str(k) for k, v in movie_dict.items()} if isinstance(movie_dict, dict) else {}
            for index in PLACEHOLDER.findall(text):
                title = by_index.get(int(index))
                if title and title in crosswalk:
                    found[(dialogue_id, crosswalk[title], role)] = None
            if role == "seeker":
                said |= chat_words(PLACEHOLDER.sub(" ", text).replace("QUOTATION_MARK", " "))
        yield dialogue_id, list(found), " ".join(sorted(said))


def _norm(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unquote(title).lower()).split())


def redial_names(crosswalk: dict[str, int], dev: Path = DEV) -> dict[str, int | None]:
    """ReDial movie name, normalised with its year ("the silence of the lambs|1991") -> item id
    (None outside the catalogue: still a title, kept out of the seeker's words)."""
    out: dict[str, int | None] = {}
    with (dev / "crosswalks" / "redial_movies_to_movielens.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            item = crosswalk.get(row["redial_movieId"].strip())
            found = YEAR.search(row["redial_movieName"])
            if found:
                title = _norm(row["redial_movieName"][: found.start()])
                out.setdefault(f"{title}|{found.group(1)}", item)
    return out


def titles_in(text: str, names: dict[str, int | None]) -> Iterator[tuple[int | None, int, int]]:
    """(item id, start, end) of each "Title (Year)" in a text: the longest run of words before a
    year in parentheses that is a ReDial movie name of that year."""
    for found in YEAR.finditer(text):
        words = text[: found.start()].split()
        for n in range(min(MAX_TITLE_WORDS, len(words)), 0, -1):
            key = f"{_norm(' '.join(words[-n:]))}|{found.group(1)}"
            if key in names:
                item = names[key]
                start = found.start() - len(" ".join(words[-n:])) - 1
                yield item, max(0, start), found.end()
                break


def iard(folder: Path, names: dict[str, int | None]) -> Iterator[tuple[str, list[Mention], str]]:
    """(dialogue id, mentions, seeker words) of each IARD dialogue from ReDial's training split
    (gold and partially annotated files; a dialogue in both is read once)."""
    seen: set[str] = set()
    for name in ("formatted_IARD_annotated_gold.json", "formatted_IARD_annotated_partially.json"):
        for dialogue in json.loads((folder / name).read_text(encoding="utf-8")):
            raw_id = str(dialogue["conversation_id"])
            if raw_id in seen or int(raw_id) >= REDIAL_TEST_FIRST_ID:
                continue
            seen.add(raw_id)
            dialogue_id = f"redial:{raw_id}"
            found: dict[Mention, None] = {}
            said: set[str] = set()
            for turn in dialogue["conversation"]:
                role = "seeker" if turn["participant"] == "USER" else "recommender"
                text = re.sub(r"<[^<>]*>", " ", turn["utterance"])
                spans = list(titles_in(text, names))
                for item, _, _ in spans:
                    if item is not None:
                        found[(dialogue_id, item, role)] = None
                if role == "seeker":
                    for _, start, end in reversed(spans):
                        text = text[:start] + " " + text[end:]
                    said |= chat_words(YEAR.sub(" ", text))
            yield dialogue_id, list(found), " ".join(sorted(said))


def chat_dialogues(
    catalogue: set[int], shared: Path, dev: Path = DEV
) -> Iterator[tuple[str, str, list[Mention], str]]:
    """(corpus, dialogue id, mentions of ``catalogue`` films, seeker words) of every dialogue of the
    three corpora, each dialogue once (an IARD dialogue also in the ReDial half is read there)."""
    redial_walk = read_crosswalk("redial_movies_to_movielens.csv", "redial_movieId", catalogue, dev)
    inspired_walk = read_crosswalk("inspired_titles_to_movielens.csv", "inspired_title", catalogue, dev)
    corpora = {
        "redial": redial(redial_walk, dev),
        "inspired": inspired(inspired_walk, dev),
        "iard": iard(shared / "usersimcrs-dialogues" / "iard", redial_names(redial_walk, dev)),
    }
    taken: set[str] = set()
    for corpus, dialogues in corpora.items():
        for dialogue_id, mentions, said in dialogues:
            if dialogue_id not in taken:
                taken.add(dialogue_id)
                yield corpus, dialogue_id, mentions, said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    with (ROOT / "data" / "items.csv").open(encoding="utf-8", newline="") as handle:
        catalogue = {int(row["item_id"]) for row in csv.DictReader(handle)}
    rows: list[Mention] = []
    words: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    for corpus, dialogue_id, mentions, said in chat_dialogues(catalogue, args.shared):
        rows.extend(mentions)
        words.append((dialogue_id, said))
        counts[corpus] += 1
    for corpus, n in counts.items():
        print(f"{corpus}: {n} dialogues")
    out = ROOT / "data" / "chat_mentions.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dialogue_id", "item_id", "role"])
        writer.writerows(rows)
    with (ROOT / "data" / WORDS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dialogue_id", "words"])
        writer.writerows(words)
    dialogues = len({r[0] for r in rows})
    print(f"wrote {out}: {len(rows)} rows, {dialogues} dialogues, {len({r[1] for r in rows})} movies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
