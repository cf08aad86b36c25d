"""Candidate sources from real movie chats (``retrieval.chats.mentions``): what people recommend when
they talk about movies, and what they recommended to people who named the same movies.

Both respect the profile's wanted genres and hard exclusions, and leave out
the ranking request's ``context.held_out_dialogue`` (corpus replay: the replayed dialogue never
counts for itself).
"""

from __future__ import annotations

import datetime
import math

from retrieval.chats import ChatDialogues, ChatMentions, DialogueMatch, chat_words, corpus_of, year_of
from tools.base import Evidence
from tools.item_table import ItemRow, ItemTable
from tools.profile import NO_CONTEXT, PreferenceProfile, RankingContext
from tools.reason_words import ReasonWords, title_words
from tools.scorers.base import ScoredItem


def by_recommendations(
    mentions: ChatMentions, items: ItemTable, held_out: str | None
) -> list[tuple[int, int]]:
    """(item id, recommending dialogues) of every film the chats recommended, but in ``held_out``,
    best first (ties: more ratings first, then the lower id)."""
    return sorted(
        mentions.recommended(held_out).items(),
        key=lambda kv: (-kv[1], -(row.popularity if (row := items.get(kv[0])) else 0), kv[0]),
    )


class ChatPriorSource:
    r"""The conversation prior: :math:`s_j = \log(1 + \mathrm{recommended}(j))`, the number of chat
    dialogues in which someone recommended :math:`j` (ties: more ratings first)."""

    name = "chat"

    def __init__(self, mentions: ChatMentions, items: ItemTable) -> None:
        self.mentions = mentions
        self.items = items
        # the same every turn; a replay leaves one dialogue out
        self._ranked_all = by_recommendations(mentions, items, None)

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        held_out = context.held_out_dialogue
        ranked = (
            self._ranked_all if held_out is None else by_recommendations(self.mentions, self.items, held_out)
        )
        wanted = set(profile.genres_in)
        excluded = profile.excluded_items
        out = []
        for item_id, count in ranked:
            row = self.items.get(item_id)
            if row is None or item_id in excluded or (wanted and not row.genres & wanted):
                continue
            evidence = Evidence(
                source="popularity",
                kind="chat_recommended",
                summary=f"often recommended in real movie chats ({count} conversations)",
                facts={"n_dialogues": count, "corpus": self.mentions.corpora},
            )
            out.append(ScoredItem(item_id, math.log1p(count), [evidence]))
            if len(out) >= k:
                break
        return out


class ChatRecentSource:
    r"""New releases of the conversation's time: the films released in the ``SPAN`` years up to the
    year :math:`y` the conversation takes place, by :math:`s_j = \log(1 + \mathrm{recommended}(j))`
    (ties: more ratings first). Seekers are recommended what was new when they chat: 57 of
    INSPIRED's 240 development targets are from 2019, the year of its chats, and none of ReDial's is
    newer than 2018. :math:`y` is a replayed dialogue's corpus year (``retrieval.chats.year_of``),
    else this year (``this_year``): a live chat takes place today, and a catalogue that ends before
    it has no new releases to offer (ranking with "the newest year the chats recommend" instead
    put 2019-2021 chat films before what simulated users wanted: success 0.87 -> 0.84). With
    it the learned fusion's out-of-fold R@10 rose on both corpora (``parley-eval train-fusion
    --folds 3 --score-every 2``: ReDial dedup 0.252 -> 0.259, INSPIRED full 0.107 -> 0.120; in a
    trial in place of the trending list, ``SPAN`` 3 gave INSPIRED 0.127 against 0.113 for 2)."""

    name = "chat_recent"
    SPAN = 3

    def __init__(self, mentions: ChatMentions, items: ItemTable, this_year: int | None = None) -> None:
        self.mentions = mentions
        self.items = items
        self.this_year = this_year or datetime.date.today().year
        # a live chat's list is the same every turn (usually empty: the catalogue ends before today)
        self._live = self._released(by_recommendations(mentions, items, None), self.this_year)

    def _released(self, ranked: list[tuple[int, int]], now: int) -> list[tuple[ItemRow, int]]:
        """The ranked films released in the ``SPAN`` years up to ``now``, with their rows."""
        return [
            (row, count)
            for item_id, count in ranked
            if (row := self.items.get(item_id)) is not None and row.year and now - self.SPAN < row.year <= now
        ]

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        held_out = context.held_out_dialogue
        released = (
            self._live
            if held_out is None
            else self._released(
                by_recommendations(self.mentions, self.items, held_out), year_of(held_out) or self.this_year
            )
        )
        wanted = set(profile.genres_in)
        excluded = profile.excluded_items
        out = []
        for row, count in released:
            if row.item_id in excluded or (wanted and not row.genres & wanted):
                continue
            evidence = Evidence(
                source="popularity",
                kind="chat_recent",
                summary=f"a {row.year} film, recommended in {count} real movie chats",
                facts={"n_dialogues": count, "year": row.year, "corpus": self.mentions.corpora},
            )
            out.append(ScoredItem(row.item_id, math.log1p(count), [evidence]))
            if len(out) >= k:
                break
        return out


class ChatCoSource:
    r"""Conversation co-mentions: for liked movies :math:`L`,
    :math:`s_j = \sum_{i \in L} \log(1 + \mathrm{co}(i, j))`, where :math:`\mathrm{co}(i, j)` counts the
    chats that mentioned :math:`i` and in which :math:`j` was recommended. No liked movie, or none
    ever mentioned in a chat: no candidates."""

    name = "chat_co"

    def __init__(self, mentions: ChatMentions, items: ItemTable) -> None:
        self.mentions = mentions
        self.items = items

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        if not profile.liked_items:
            return []
        co = self.mentions.co_recommended(profile.liked_items, context.held_out_dialogue)
        wanted = set(profile.genres_in)
        excluded = profile.excluded_items
        out = []
        for item_id, by_liked in co.items():
            row = self.items.get(item_id)
            if row is None or item_id in excluded or (wanted and not row.genres & wanted):
                continue
            via = sorted(by_liked, key=lambda i: (-by_liked[i], i))[:3]
            names = [it.title for i in via if (it := self.items.get(i)) is not None]
            evidence = Evidence(
                source="popularity",
                kind="chat_co_recommended",
                summary=f"recommended in real movie chats to people who mentioned {', '.join(names[:2])}",
                facts={"via": via, "counts": [by_liked[i] for i in via], "corpus": self.mentions.corpora},
            )
            score = sum(math.log1p(c) for c in by_liked.values())
            out.append(ScoredItem(item_id, score, [evidence]))
        out.sort(key=lambda s: (-s.score, s.item_id))
        return out[:k]


class ChatSimilarSource:
    r"""Chats like this one (``retrieval.chats.dialogues``): for the dialogues :math:`d` most similar to
    the conversation (the movies the person named or judged, never Parley's own suggestions, and the
    person's words), :math:`s_j = \sum_{d : j \text{ recommended in } d} \mathrm{sim}(q, d)`. Nothing
    said and no movie named: no candidates.

    The reason shows the shared words that say something about films (``tools.reason_words``:
    'heist', 'funny', never 'please' or 'second'; every shared word still counts for the
    similarity) and the person's movies the chats also mentioned."""

    name = "chat_similar"

    def __init__(
        self,
        dialogues: ChatDialogues,
        mentions: ChatMentions,
        items: ItemTable,
        words: ReasonWords | None = None,
    ) -> None:
        self.dialogues = dialogues
        self.mentions = mentions
        self.items = items
        self.words = words if words is not None else ReasonWords.from_items(items)

    def candidates(
        self, profile: PreferenceProfile, k: int, context: RankingContext = NO_CONTEXT
    ) -> list[ScoredItem]:
        words = chat_words(profile.conversation_text)
        matches = self.dialogues.similar(words, profile.person_items, context.held_out_dialogue)
        titles = title_words(self._titles(list(profile.person_items)))
        wanted = set(profile.genres_in)
        excluded = profile.excluded_items
        scores: dict[int, float] = {}
        support: dict[int, list[DialogueMatch]] = {}
        for match in matches:
            for item_id in self.mentions.recommended_in.get(match.dialogue_id, ()):
                row = self.items.get(item_id)
                if row is None or item_id in excluded or (wanted and not row.genres & wanted):
                    continue
                scores[item_id] = scores.get(item_id, 0.0) + match.similarity
                support.setdefault(item_id, []).append(match)
        best = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [ScoredItem(i, scores[i], [self._evidence(support[i], titles)]) for i in best]

    def _evidence(self, matches: list[DialogueMatch], titles: set[str]) -> Evidence:
        via = list(dict.fromkeys(i for m in matches for i in m.shared_items))[:3]
        shared = list(dict.fromkeys(w for m in matches for w in m.shared_words))
        words = self.words.shown(shared, exclude=titles)[:3]
        parts = [f"mentioned {', '.join(names)}" for names in [self._titles(via[:2])] if names]
        parts += [f"asked for {', '.join(repr(w) for w in words)}"] if words else []
        n = len(matches)
        summary = f"recommended in {n} real movie chat{'' if n == 1 else 's'} like this one"
        if parts:
            summary += f" (people who also {' and '.join(parts)})"
        return Evidence(
            source="popularity",
            kind="chat_similar",
            summary=summary,
            facts={
                "n_dialogues": n,
                "via": via,
                "words": words,
                "matched_words": len(shared),
                "corpus": ", ".join(sorted({corpus_of(m.dialogue_id) for m in matches})),
            },
        )

    def _titles(self, item_ids: list[int]) -> list[str]:
        return [row.title for i in item_ids if (row := self.items.get(i)) is not None]
