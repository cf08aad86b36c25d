"""The recommender's evaluation interface: what only the evaluation needs, kept off the chat API.

Obtained as ``recommender.evaluation()``. It ranks a given dialogue state without a conversation
(one of ``RANKERS``: the fused ranker and its baselines), ranks for several rankers from one
gathering (``rank_all``; the two halves apart: ``gather`` the sources' lists once, ``fuse`` them
under any weights, for the replay and weight tuning), lists the catalogue and gives an item's facts
as plain data for metrics and simulated users. ``held_out_dialogue`` (corpus replay, e.g. ``"redial:20001"``) is a parameter
of the ranking request: that chat dialogue is left out of the conversation sources, so a replayed
dialogue is never scored with its own answers. For the beyond-accuracy figures it gives each item's
ratings count and chat mentions (``popularity_counts``, ``chat_mention_counts``); for held-out
MovieLens users, ``without_users`` is the same evaluation over ratings without them (CF retrained in
memory); ``SOURCE_BASELINES`` are single-source rankers (``item_knn``, ``most_rated``). Films beyond
the catalogue (``tools.linking.extended``) are linked as chat links them (``link_outside``), with their
genres (``outside_genres``): the replay's liked outside films.

Extending it: a new evaluation-only operation is a method here that reads ``self.toolbox``
(sources, ranker, item table); nothing in the chat path calls this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from bot.extract import extract
from bot.mentions import link_message
from bot.reasons import to_recommendations
from bot.sanitise import InvalidInputError
from bot.state import DialogueState
from bot.state_update import apply_extraction
from bot.types import Recommendation
from tools.engine import RANKER_NAMES, Toolbox
from tools.profile import RankingContext
from tools.ranking import (
    Gathered,
    LearnedFusion,
    Ranker,
    RankerWeights,
    pool_features,
    train_fusion,
    violates,
)
from tools.reason_words import ReasonWords

if TYPE_CHECKING:
    from bot.recommender import Recommender

__all__ = ["KEEP_FUSION", "Evaluation", "Gathered", "LearnedFusion", "RankerWeights", "train_fusion"]
KEEP_FUSION = "keep"  # fuse with the recommender's own fusion (learned when its catalogue has a model)
_YEAR_ONLY = re.compile(r"\s*(?:[\(\[]?(?:19|20)\d\d[\)\]]?)?\s*")  # what may follow a whole title


class Evaluation:
    """Ranking and catalogue access for evaluation (``parley-eval``), over one recommender's tools."""

    RANKERS: tuple[str, ...] = RANKER_NAMES
    # single-source baselines ``rank``/``fuse`` also accept (not in RANKERS: the replay's tables)
    SOURCE_BASELINES: ClassVar[Mapping[str, tuple[str, ...]]] = MappingProxyType(
        {"item_knn": ("cf_knn",), "most_rated": ("popularity",)}
    )

    def __init__(self, recommender: Recommender, toolbox: Toolbox | None = None) -> None:
        self.recommender = recommender
        self.toolbox = toolbox or recommender.toolbox
        self._reason_words: ReasonWords | None = None

    def popularity_counts(self) -> dict[int, int]:
        """Each catalogue item's number of ratings (0 when unrated): the popularity of the
        beyond-accuracy figures."""
        return {item_id: row.popularity for item_id, row in self.toolbox.items.rows.items()}

    def chat_mention_counts(self) -> dict[int, int]:
        """Each item's number of chat-corpus dialogues (``data/chat_mentions.csv``) mentioning it."""
        counts: dict[int, int] = {}
        for items in self.toolbox.chat_mentions.mentioned_in.values():
            for item_id in items:
                counts[item_id] = counts.get(item_id, 0) + 1
        return counts

    def ratings(self) -> Any:
        """A copy of the catalogue's ratings (a DataFrame: user_id, item_id, rating, timestamp)."""
        return self.toolbox.stores.catalogue().ratings.copy()

    def without_users(self, user_ids: set[int]) -> Evaluation:
        """This evaluation over a toolbox whose ratings (item table, popularity, CF models trained
        in memory, nothing saved) leave out ``user_ids``: held-out users' fold-in evaluation."""
        stores = self.toolbox.stores.without_users(user_ids)
        return Evaluation(self.recommender, Toolbox(stores, self.weights))

    def catalogue_ids(self) -> list[int]:
        """Every catalogue item id, ascending."""
        return sorted(self.toolbox.items.rows)

    def facts(self, item_id: int) -> dict[str, Any]:
        """``item_facts`` as plain data ({} when the item is not in the catalogue): the shape the
        metrics and the simulated user read fields from by name."""
        found = self.recommender.item_facts(item_id)
        return found.model_dump() if found is not None else {}

    def outside_ids(self) -> frozenset[int]:
        """The MovieLens ids of the films beyond the catalogue that chat links (never recommended)."""
        return frozenset(self.toolbox.extended.films)

    def outside_genres(self, movie_id: int) -> list[str]:
        """A film beyond the catalogue's genres ([] when unknown): what liking it adds in chat. A
        catalogue film a replay withdraws (``named_only_in``) is read from its row."""
        film = self.toolbox.extended.film(movie_id)
        if film is not None:
            return list(film.genres)
        row = self.toolbox.items.get(movie_id)
        return list(row.genres) if row is not None else []

    def named_only_in(self, dialogue_id: str) -> frozenset[int]:
        """The catalogue films that a corpus replay of this chat dialogue must treat as beyond the
        catalogue: films without MovieLens ratings that the catalogue holds because real chats named
        them (``scripts/prepare_chat_films.py``), when no other dialogue names them."""
        items = self.toolbox.items
        return frozenset(
            i
            for i in self.toolbox.chat_mentions.named_only_in(dialogue_id)
            if (row := items.get(i)) is not None and row.popularity == 0
        )

    def link_outside(self, title: str) -> int | None:
        """The film beyond the catalogue (MovieLens id) a title names, as chat links "I loved Barbie
        (2023)" (``bot.mentions.link_message``, the catalogue's titles first), when the linked mention
        is the whole title (a year may follow); None otherwise."""
        for found in link_message(title, self.toolbox.index, self.toolbox.extended).outside:
            if not title[: found.start].strip() and _YEAR_ONLY.fullmatch(title[found.end :]):
                return found.film.movie_id
        return None

    def read(self, messages: Sequence[str]) -> DialogueState:
        """The state the chat's deterministic reading (no LLM) builds from these messages, one turn
        each: the description (the words of the messages that describe a wish, without the films and
        people they name) and whether the last one did (``fresh_description``), the genres, moods,
        people, keywords and constraints. A replay takes its films from the corpus instead."""
        state = DialogueState()
        for text in messages:
            mentions = link_message(text, self.toolbox.index, self.toolbox.extended)
            state = apply_extraction(state, extract(mentions, self.toolbox.items.latest_year))
        return state

    def quotable(self, phrase: str) -> bool:
        """Whether a reason may quote a word or keyword to the person (``tools.reason_words``: it
        says something about films; 'heist' yes, 'please' or 'second' never)."""
        if self._reason_words is None:
            self._reason_words = ReasonWords.from_items(self.toolbox.items)
        return self._reason_words.quotable(phrase)

    def violations(self, recommendations: list[Recommendation], state: DialogueState) -> list[str]:
        """The hard constraints (``tools.ranking.violates``: years, genres, people, runtime, language,
        liked / disliked / seen / rejected items) that recommendations break for the state they were
        made for, as "title: constraint" (the state's ``recommended`` items are not counted: the state
        already lists the recommendations themselves)."""
        profile = state.to_profile()
        excluded = frozenset(
            (*profile.liked_items, *profile.disliked_items, *profile.seen, *profile.rejected)
        )
        found = []
        for rec in recommendations:
            row = self.toolbox.items.get(rec.item_id)
            broken = violates(row, profile, excluded) if row is not None else "not in the catalogue"
            if broken is not None:
                found.append(f"{rec.title}: {broken}")
        return found

    def _check(self, rankers: tuple[str, ...]) -> None:
        known = (*self.RANKERS, *self.SOURCE_BASELINES)
        unknown = [r for r in rankers if r not in known]
        if unknown:
            raise InvalidInputError(f"unknown ranker {unknown[0]!r}; choose from {', '.join(known)}")

    def _sources(self, ranker: str) -> list[str] | None:
        if ranker in self.SOURCE_BASELINES:
            return list(self.SOURCE_BASELINES[ranker])
        return self.toolbox.ranker_sources(ranker)

    def rank(self, state: DialogueState, k: int = 10, ranker: str = "fused") -> list[Recommendation]:
        """Rank for a given state with one of ``RANKERS`` (baselines for evaluation)."""
        self._check((ranker,))
        result = self._ranker(ranker).rank(
            state.to_profile(), k=k, only=self._sources(ranker), diversify=ranker == "fused"
        )
        return to_recommendations(result)

    def rank_all(
        self,
        state: DialogueState,
        k: int = 10,
        rankers: tuple[str, ...] = RANKER_NAMES,
        held_out_dialogue: str | None = None,
    ) -> dict[str, list[Recommendation]]:
        """``rank`` for several rankers at once: the sources are asked once and their lists fused per
        ranker (the baselines are subsets of the fused ranker's sources; graph explanations are
        looked up for the fused ranker only). The same items as ``rank`` for each.

        ``held_out_dialogue``: that chat dialogue is left out of the conversation sources."""
        self._check(rankers)
        gathered = self.gather(state, held_out_dialogue)
        return {name: self.fuse(state, gathered, k, name) for name in rankers}

    # -- gather once, fuse under any weights (the replay, weight tuning) ----------------------------

    @property
    def weights(self) -> RankerWeights:
        """The fusion weights this recommender ranks with (``Settings.ranker_weights``)."""
        return self.toolbox.ranker.weights

    def gather(
        self,
        state: DialogueState,
        held_out_dialogue: str | None = None,
        every_source: bool = False,
        pool: int | None = None,
    ) -> Gathered:
        """Every source's candidate list for a state, asked once (the expensive half of ranking), to
        fuse with ``fuse`` as often as needed. ``every_source`` asks the switched-off sources too
        (weight tuning may switch them on), for ``pool`` candidates each (default: the weights'
        pool). A source that fails is named in ``degraded``, with its error in ``timings``."""
        unavailable = self.named_only_in(held_out_dialogue) if held_out_dialogue else frozenset()
        return self.toolbox.ranker.gather(
            state.to_profile(),
            context=RankingContext(held_out_dialogue=held_out_dialogue, unavailable=unavailable),
            switched_off=every_source,
            pool=pool,
        )

    def fuse(
        self,
        state: DialogueState,
        gathered: Gathered,
        k: int = 10,
        ranker: str = "fused",
        weights: RankerWeights | None = None,
        explain: bool = True,
        fusion: LearnedFusion | str | None = KEEP_FUSION,
    ) -> list[Recommendation]:
        """The gathered lists fused as ``ranker`` ranks (its sources only; diversity, and graph
        explanations when ``explain``, for the fused ranker) under ``weights`` (default: the
        recommender's): each list cut to the weights' pool, switched-off sources left out. With the
        default weights, the items ``rank`` gives. ``fusion`` (fused ranker only; the baselines fuse
        by RRF): the recommender's own (``KEEP_FUSION``), a learned model, or None for RRF."""
        self._check((ranker,))
        fusing = self._ranker(ranker, fusion)
        fusing = fusing if weights is None else fusing.with_weights(weights)
        found = self._found(gathered, ranker, fusing)
        fused = ranker == "fused"
        result = fusing.fuse(state.to_profile(), found, k, diversify=fused, explain=fused and explain)
        return to_recommendations(result)

    def candidate_features(self, state: DialogueState, gathered: Gathered) -> tuple[list[int], Any]:
        """(candidate item ids, their feature rows): what the learned fusion scores for the fused
        ranker (``tools.ranking.features``; the training of ``parley-eval train-fusion``)."""
        fusing = self.toolbox.ranker
        profile = state.to_profile()
        return pool_features(
            self.toolbox.items, profile, fusing.candidates(profile, self._found(gathered, "fused", fusing))
        )

    def _ranker(self, ranker: str, fusion: LearnedFusion | str | None = KEEP_FUSION) -> Ranker:
        own = self.toolbox.ranker
        if ranker != "fused":
            return own.with_fusion(None)
        return (
            own
            if fusion == KEEP_FUSION
            else own.with_fusion(fusion if isinstance(fusion, LearnedFusion) else None)
        )

    def _found(self, gathered: Gathered, ranker: str, fusing: Ranker) -> dict[str, Any]:
        """The gathered lists a ranker fuses: its sources, switched-on ones, cut to the pool."""
        only = self._sources(ranker)
        pool = fusing.weights.pool
        return {
            name: items[:pool]
            for name, items in gathered.found.items()
            if (only is None or name in only) and fusing.weights.weight(name) > 0.0
        }
