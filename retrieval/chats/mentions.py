"""Which catalogue movies people named in real movie-recommendation chats (``data/chat_mentions.csv``,
built by ``scripts/prepare_chat_mentions.py`` from the ReDial and INSPIRED development halves and
the IARD dialogues of ReDial's training split; dialogue ids carry their corpus, ``redial:20001``).

Counts, for a movie ``j`` and a set of dialogues ``D`` (all of them, or all but a held-out one):

* ``recommended(j) = |{d in D : j recommended in d}|``
* ``co_recommended(i, j) = |{d in D : i mentioned in d (by anyone), j recommended in d}|``, ``i != j``

Leaving a dialogue out subtracts its own contribution, so a corpus replay of that dialogue never
counts the answer it is scored on (leave-one-dialogue-out).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

FILE_NAME = "chat_mentions.csv"
CORPUS_NAMES = {"redial": "ReDial", "inspired": "INSPIRED"}
# when each corpus's chats took place (ReDial's and IARD's dialogues: 2018; INSPIRED's: 2019, the
# year of 57 of its 240 development targets): what was new then is what its seekers were recommended
CORPUS_YEARS = {"ReDial": 2018, "INSPIRED": 2019}


def corpus_of(dialogue_id: str) -> str:
    """The corpus a chat dialogue comes from, by its id's prefix ("redial:20001" -> "ReDial"; an
    id without one is ReDial's, the first corpus)."""
    prefix, _, rest = dialogue_id.partition(":")
    return CORPUS_NAMES.get(prefix, prefix) if rest else "ReDial"


def year_of(dialogue_id: str) -> int | None:
    """The year a chat dialogue took place (its corpus's, ``CORPUS_YEARS``), or None."""
    return CORPUS_YEARS.get(corpus_of(dialogue_id))


class ChatMentions:
    """Mention counts from chat dialogues; empty when the file is absent (another catalogue)."""

    def __init__(self, mentions: Iterable[tuple[str, int, str]]) -> None:
        recommended: defaultdict[str, set[int]] = defaultdict(set)
        mentioned: defaultdict[str, set[int]] = defaultdict(set)
        for dialogue_id, item_id, role in mentions:
            mentioned[dialogue_id].add(item_id)
            if role == "recommender":
                recommended[dialogue_id].add(item_id)
        self.recommended_in: dict[str, frozenset[int]] = {d: frozenset(v) for d, v in recommended.items()}
        self.mentioned_in: dict[str, frozenset[int]] = {d: frozenset(v) for d, v in mentioned.items()}
        # the corpora of the dialogues, named ("INSPIRED, ReDial")
        self.corpora = ", ".join(sorted({corpus_of(d) for d in self.mentioned_in}))
        self.recommended_counts: Counter[int] = Counter(i for v in self.recommended_in.values() for i in v)
        self.mentioned_counts: Counter[int] = Counter(i for v in self.mentioned_in.values() for i in v)
        self.co: defaultdict[int, Counter[int]] = defaultdict(Counter)  # i -> {j: co(i, j)}
        self.co_to: defaultdict[int, Counter[int]] = defaultdict(Counter)  # j -> {i: co(i, j)}
        for dialogue_id, items in self.mentioned_in.items():
            targets = self.recommended_in.get(dialogue_id, frozenset())
            for i in items:
                for j in targets:
                    if j != i:
                        self.co[i][j] += 1
                        self.co_to[j][i] += 1

    @classmethod
    def load(cls, data_dir: Path) -> ChatMentions:
        path = data_dir / FILE_NAME
        if not path.exists():
            return cls(())
        with path.open(encoding="utf-8", newline="") as handle:
            return cls(
                (row["dialogue_id"], int(row["item_id"]), row["role"]) for row in csv.DictReader(handle)
            )

    @property
    def n_dialogues(self) -> int:
        return len(self.mentioned_in)

    def named_only_in(self, dialogue_id: str) -> frozenset[int]:
        """The movies that dialogue names and no other does."""
        named = self.mentioned_in.get(dialogue_id, frozenset())
        return frozenset(i for i in named if self.mentioned_counts[i] == 1)

    def recommended(self, held_out: str | None = None) -> Counter[int]:
        """``recommended(j)`` for every movie recommended at least once."""
        counts = Counter(self.recommended_counts)
        if held_out is not None:
            counts.subtract(self.recommended_in.get(held_out, frozenset()))
        return +counts

    def co_recommended(self, liked: Iterable[int], held_out: str | None = None) -> dict[int, dict[int, int]]:
        """``{j: {i: co_recommended(i, j)}}`` for the liked movies ``i``."""
        held_mentioned = self.mentioned_in.get(held_out or "", frozenset())
        held_recommended = self.recommended_in.get(held_out or "", frozenset())
        out: defaultdict[int, dict[int, int]] = defaultdict(dict)
        for i in liked:
            for j, count in self.co.get(i, Counter()).items():
                if i in held_mentioned and j in held_recommended:
                    count -= 1
                if count > 0:
                    out[j][i] = count
        return dict(out)
