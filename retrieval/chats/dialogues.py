"""Chats like this one: nearest chat dialogues by the movies they mention and the seeker's words
(``data/chat_words.csv`` and ``data/chat_mentions.csv``, built by
``scripts/prepare_chat_mentions.py`` from the ReDial and INSPIRED development halves and IARD).

A dialogue ``d`` is a sparse vector: for each word ``w`` the seeker used, ``idf(w) = log(N / df(w))``
(``N`` dialogues, ``df`` the dialogues whose seeker used ``w``); for each movie ``i`` mentioned in it
(by anyone), the constant ``item_weight``. The current conversation is a vector of the same form,
and ``sim(q, d)`` is their cosine. ``item_weight`` 8 was chosen on the ReDial development half
(every other case; 3: R@10 0.141, 6: 0.164, 8 ≈ 12: 0.161–0.163, 24: 0.159, for the dialogue
neighbours alone). A held-out dialogue (corpus replay) is never a neighbour.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

WORDS_FILE = "chat_words.csv"
ITEM_WEIGHT = 8.0
_TOKEN = re.compile(r"[a-z][a-z']+")
# words that say nothing about a taste (chat filler, pronouns, verbs of watching)
STOP_WORDS = frozenset(
    """the and but for with are was were been you that this have has had did not yes its from what
    which who about like just really very too also can could would will there their them then than
    some any all one get got think know see seen watch watched watching movie movies film films good
    great well love loved liked lol hello thanks thank sure okay sounds how much more most dont don't
    i'm it's that's haven't didn't haven never ever recommend recommendation recommendations
    suggest suggestions something anything kind looking look want wanted maybe heard she her him his
    they we our your you're i've i'll i'd bye have nice enjoy enjoyed yeah yep nope haha great
    favorite favourite fan fun alot lot other another same time those these been does doesn't
    let's let thing things out when where why while into over only still even again""".split()
)


def chat_words(text: str) -> frozenset[str]:
    """The content words of a text as the chat index spells them (lower case, no stop words,
    three letters or more, possessive ``'s`` dropped)."""
    found = set()
    for token in _TOKEN.findall(text.lower()):
        token = token.removesuffix("'s").strip("'")
        if len(token) > 2 and token not in STOP_WORDS:
            found.add(token)
    return frozenset(found)


@dataclass(frozen=True)
class DialogueMatch:
    """One neighbouring chat: its similarity and what it shares with the conversation."""

    dialogue_id: str
    similarity: float
    shared_items: tuple[int, ...]
    shared_words: tuple[str, ...]


class ChatDialogues:
    """Nearest chat dialogues (cosine over idf-weighted seeker words and mentioned movies)."""

    def __init__(
        self,
        words: Mapping[str, frozenset[str]],
        mentioned: Mapping[str, frozenset[int]],
        item_weight: float = ITEM_WEIGHT,
    ) -> None:
        self.item_weight = item_weight
        self.words = dict(words)
        self.mentioned = dict(mentioned)
        dialogues = set(self.words) | set(self.mentioned)
        n = max(1, len(dialogues))
        df: defaultdict[str, int] = defaultdict(int)
        for seeker_words in self.words.values():
            for w in seeker_words:
                df[w] += 1
        self.idf = {w: math.log(n / c) for w, c in df.items()}
        self.by_word: defaultdict[str, list[str]] = defaultdict(list)
        self.by_item: defaultdict[int, list[str]] = defaultdict(list)
        for d, ws in self.words.items():
            for w in ws:
                self.by_word[w].append(d)
        for d, items in self.mentioned.items():
            for i in items:
                self.by_item[i].append(d)
        self.norm = {
            d: math.sqrt(
                math.fsum(self.idf[w] ** 2 for w in self.words.get(d, ()))
                + item_weight**2 * len(self.mentioned.get(d, ()))
            )
            for d in dialogues
        }

    @classmethod
    def load(cls, data_dir: Path, mentioned: Mapping[str, frozenset[int]]) -> ChatDialogues:
        """From ``data_dir/chat_words.csv`` (absent: movies only)."""
        path = data_dir / WORDS_FILE
        words: dict[str, frozenset[str]] = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                words = {
                    row["dialogue_id"]: frozenset(row["words"].split()) for row in csv.DictReader(handle)
                }
        return cls(words, mentioned)

    def similar(
        self,
        words: Iterable[str],
        items: Iterable[int],
        held_out: str | None = None,
        limit: int | None = None,
    ) -> list[DialogueMatch]:
        """The dialogues most similar to a conversation (its words and movies), best first (all of
        them, or the first ``limit``); dialogues sharing nothing are left out."""
        query_words = sorted({w for w in words if self.idf.get(w, 0.0) > 0.0})
        query_items = sorted(set(items))
        q_norm = math.sqrt(
            sum(self.idf[w] ** 2 for w in query_words) + self.item_weight**2 * len(query_items)
        )
        if q_norm == 0.0:
            return []
        dot: defaultdict[str, float] = defaultdict(float)
        shared_words: defaultdict[str, list[str]] = defaultdict(list)
        shared_items: defaultdict[str, list[int]] = defaultdict(list)
        for w in query_words:
            for d in self.by_word.get(w, ()):
                dot[d] += self.idf[w] ** 2
                shared_words[d].append(w)
        for i in query_items:
            for d in self.by_item.get(i, ()):
                dot[d] += self.item_weight**2
                shared_items[d].append(i)
        dot.pop(held_out or "", None)
        matches = [
            DialogueMatch(
                dialogue_id=d,
                similarity=value / (q_norm * self.norm[d]),
                shared_items=tuple(shared_items.get(d, ())),
                shared_words=tuple(sorted(shared_words.get(d, ()), key=lambda w: (-self.idf[w], w))),
            )
            for d, value in dot.items()
            if self.norm.get(d)
        ]
        matches.sort(key=lambda m: (-m.similarity, m.dialogue_id))
        return matches if limit is None else matches[:limit]
