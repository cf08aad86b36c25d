"""Write ``data/chat_mentions.csv``: which catalogue movies real people named in movie chats, and
``data/chat_words.csv``: the content words each seeker used (``retrieval.chat_dialogues.chat_words``;
movie mentions left out), for "chats like this one".

One row per (dialogue, movie, role) of the ReDial development half (CC BY 4.0; ``data/dev/redial``),
with ReDial's ``@id`` mentions mapped to MovieLens ids through the crosswalk; movies outside the
catalogue are left out. ``role`` is ``recommender`` or ``seeker``. The conversation prior
(``retrieval.chat_mentions``) counts the dialogues in which a movie was recommended, and which
movies were recommended in dialogues that mentioned a given one.

    .venv/bin/python scripts/prepare_chat_mentions.py
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.chat_dialogues import WORDS_FILE, chat_words  # noqa: E402

DEV = ROOT / "data" / "dev"
MENTION = re.compile(r"@(\d+)")


def main() -> int:
    catalogue = set()
    with (ROOT / "data" / "items.csv").open(encoding="utf-8", newline="") as handle:
        catalogue = {int(row["item_id"]) for row in csv.DictReader(handle)}
    crosswalk: dict[str, int] = {}
    with (DEV / "crosswalks" / "redial_movies_to_movielens.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("ml_movieId") or "").strip()
            if raw.isdigit() and int(raw) in catalogue:
                crosswalk[row["redial_movieId"].strip()] = int(raw)
    rows: list[tuple[str, int, str]] = []
    words: list[tuple[str, str]] = []
    with (DEV / "redial" / "dev_half.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            dialogue = json.loads(line)
            seeker = dialogue["initiatorWorkerId"]
            found: dict[tuple[int, str], None] = {}
            said: set[str] = set()
            for message in dialogue["messages"]:
                role = "seeker" if message["senderWorkerId"] == seeker else "recommender"
                if role == "seeker":
                    said |= chat_words(MENTION.sub(" ", message["text"]))
                for raw in MENTION.findall(message["text"]):
                    if raw in crosswalk:
                        found[(crosswalk[raw], role)] = None
            rows.extend((f"redial:{dialogue['conversationId']}", item, role) for item, role in found)
            words.append((f"redial:{dialogue['conversationId']}", " ".join(sorted(said))))
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
