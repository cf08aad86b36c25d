"""Parley's public Python API: ``Recommender`` and ``Session``.

A turn: sanitise the message (``bot.sanitise``); then the controller (``bot.controller``) links it
once (``bot.mentions``), extracts preferences (deterministic linker and lexicons, plus the LLM
extractor when the backend does constrained JSON), resolves references to earlier recommendations,
decides to ask or to recommend, ranks with the tools and writes the reply from the evidence
(``bot.writing``: validated LLM writer, or the template writer). Every component failure degrades
the turn; none ends the session. What only the evaluation needs is ``recommender.evaluation()``
(``bot.evaluation``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

import prompts
from bot.controller import TurnContext, plan_turn
from bot.evaluation import Evaluation
from bot.health import check_vectors
from bot.llm.base import LLMBackend
from bot.options import RecommenderOptions
from bot.sanitise import InvalidInputError, sanitise
from bot.session_store import SessionStore, StoredMessage, session_store_from_settings
from bot.settings import Settings, offline_environment, store_config
from bot.state import DialogueState
from bot.state_update import apply_feedback
from bot.tool_agent import tool_agent_for
from bot.types import DoneEvent, FeedbackKind, ItemFacts, Reply, StreamEvent, TextChunkEvent
from bot.writing import CardBuilder, GroundedWriter, chunks
from tools.engine import Toolbox
from tools.errors import ParleyError
from tools.preferences import LIMITS, OPPOSED
from tools.stores import Stores

log = logging.getLogger(__name__)


class Recommender:
    """Entry point: ``Recommender.from_settings()``, then ``new_session()`` or ``session(id)``."""

    def __init__(
        self,
        toolbox: Toolbox,
        llm: LLMBackend | None,
        store: SessionStore,
        options: RecommenderOptions | None = None,
        **changes: Any,
    ) -> None:
        """``changes`` are option names (``max_questions=0``), applied over ``options``."""
        try:
            self.options = (options or RecommenderOptions()).changed(**changes)
        except ValidationError as error:
            raise InvalidInputError(f"invalid Recommender options: {error}") from error
        self.toolbox = toolbox
        self.llm = llm
        self.store = store
        self.writer = GroundedWriter(
            llm,
            toolbox.index,
            max_tokens=self.options.writer_max_tokens,
            cards=CardBuilder(toolbox.card_facts) if llm is not None else None,
            genres=toolbox.genres,
            budget_s=self.options.writer_budget_s,
            item_row=toolbox.items.get,
        )
        self.tool_agent = tool_agent_for(toolbox, llm, self.options.agent_mode, self.options.agent_max_steps)
        self._stores: Stores | None = None

    @property
    def k(self) -> int:
        return self.options.recommendations_per_turn

    @property
    def max_questions(self) -> int:
        return self.options.max_questions

    def with_options(
        self,
        *,
        store: SessionStore | None = None,
        llm: LLMBackend | None = None,
        **changes: Any,
    ) -> Recommender:
        """The same toolbox, stores and options with another session store, LLM (e.g. a recording
        wrapper) or option values (``max_questions=0``); None keeps the current one. For evaluation
        and benchmarks."""
        rec = Recommender(self.toolbox, llm or self.llm, store or self.store, self.options, **changes)
        rec._stores = self._stores
        return rec

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Recommender:
        offline_environment()
        settings = settings or Settings()
        from bot.llm.factory import backend_from_settings

        stores = Stores(store_config(settings))
        check_vectors(stores)
        toolbox = Toolbox(stores, settings.ranker_weights)
        llm = backend_from_settings(settings)
        store = session_store_from_settings(settings)
        rec = cls(toolbox, llm, store, RecommenderOptions.of(settings))
        rec._stores = stores
        # the model reads the writer's static prompt while nobody waits (a first turn waits for it)
        threading.Thread(target=rec.writer.prime, name="writer-prime", daemon=True).start()
        return rec

    def new_session(self) -> Session:
        return Session(self, uuid.uuid4().hex, DialogueState())

    def session(self, session_id: str) -> Session:
        """Resume a stored session (a new one with that id when it does not exist yet)."""
        if not session_id or len(session_id) > 128:
            raise InvalidInputError("a session id has 1 to 128 characters")
        state = self.store.load_state(session_id)
        return Session(self, session_id, state or DialogueState())

    def item_facts(self, item_id: int) -> ItemFacts | None:
        """An item's facts (catalogue table and chat corpus), or None when it is not in the catalogue."""
        row = self.toolbox.items.get(item_id)
        if row is None:
            return None
        mentions = self.toolbox.chat_mentions
        return ItemFacts(
            item_id=row.item_id,
            title=row.display_title,
            year=row.year,
            genres=sorted(row.genres),
            directors=sorted(row.directors),
            cast=sorted(row.cast),
            keywords=sorted(row.keywords),
            runtime=row.runtime,
            language=row.language,
            popularity=row.popularity,
            chat_recommended=mentions.recommended_counts.get(item_id, 0),
            chat_co_recommended=dict(mentions.co_to.get(item_id, {})),
        )

    def link(self, text: str, limit: int = 5) -> list[dict[str, object]]:
        """Entity linking of one mention (kg_lookup link), as plain data."""
        return [c.model_dump() for c in self.toolbox.index.link(text[:300], limit=limit)]

    def evaluation(self) -> Evaluation:
        """The evaluation interface over this recommender's tools (``bot.evaluation``)."""
        return Evaluation(self)

    def close(self) -> None:
        if self._stores is not None:
            self._stores.close()


class Session:
    """One conversation. ``respond(text)`` or ``stream(text)``; ``feedback(item_id, kind)``."""

    def __init__(self, recommender: Recommender, session_id: str, state: DialogueState) -> None:
        self.recommender = recommender
        self.id = session_id
        self.state = state
        self._lock = threading.Lock()

    def respond(self, text: str) -> Reply:
        reply: Reply | None = None
        for event in self.stream(text):
            if isinstance(event, DoneEvent):
                reply = event.reply
        if reply is None:  # stream always ends with DoneEvent; this guards against a broken generator
            raise ParleyError("the turn ended without a reply")
        return reply

    def stream(self, text: str) -> Iterator[StreamEvent]:
        with self._lock, self.recommender.store.lock(self.id):
            self._reload()
            yield from self._turn(text)

    def _reload(self) -> None:
        """The latest stored state (another worker may have answered since): a turn or a feedback
        event is a read-modify-write under the store's conversation lock."""
        self.state = self.recommender.store.load_state(self.id) or DialogueState()

    def _turn(self, text: str) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        limit = self.recommender.options.max_message_chars
        clean, problem = sanitise(text, limit)
        if problem is not None:
            message = prompts.render("bad_input.j2", problem=problem, limit=limit)
            yield TextChunkEvent(text=message)
            yield DoneEvent(reply=Reply(session_id=self.id, text=message, profile=self.state))
            return
        rec = self.recommender
        extractor = rec.options.extractor_for(rec.llm.name if rec.llm is not None else None)
        context = TurnContext(
            toolbox=rec.toolbox,
            llm=rec.llm if extractor != "off" else None,
            llm_extractor=extractor,
            llm_extract_budget_s=rec.options.llm_extract_budget_s,
            writer=rec.writer,
            max_questions=rec.max_questions,
            k=rec.k,
            tool_agent=rec.tool_agent,
        )
        outcome = None
        streamed = False  # the LLM writer streams its validated pieces itself
        for event in plan_turn(context, self.state, clean):
            if isinstance(event, DoneEvent):
                outcome = event.reply.model_copy(update={"session_id": self.id})
                continue
            streamed = streamed or isinstance(event, TextChunkEvent)
            yield event
        if outcome is None:
            raise ParleyError("the controller ended without a reply")
        if {"kg", "explain"} & set(outcome.degraded):
            rec.toolbox.stores.recover_graph()  # a dead embedded server restarts in the background
        for piece in [] if streamed else chunks(outcome.text):
            yield TextChunkEvent(text=piece)
        rec.store.save_turn(
            self.id,
            outcome.profile,
            [
                StoredMessage(role="user", text=clean),
                StoredMessage(
                    role="assistant",
                    text=outcome.text,
                    payload={
                        "recommendations": [r.model_dump() for r in outcome.recommendations],
                        "question": outcome.question,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                ),
            ],
        )
        self.state = outcome.profile
        yield DoneEvent(reply=outcome)

    def feedback(self, item_id: int, kind: FeedbackKind) -> DialogueState:
        """Like / dislike / seen / reject one catalogue item; stored before it is acknowledged."""
        if kind not in ("like", "dislike", "seen", "reject"):
            raise InvalidInputError(f"unknown feedback kind {kind!r}")
        if item_id not in self.recommender.toolbox.items:
            raise InvalidInputError(f"item {item_id} is not in the catalogue")
        with self._lock, self.recommender.store.lock(self.id):
            self._reload()
            updated = apply_feedback(self.state, item_id, kind)
            self.recommender.store.save_feedback(self.id, item_id, kind, updated)
            self.state = updated
        return updated

    def remove_preference(self, field: str, value: object) -> DialogueState:
        """Drop one entry from the profile (the UI's profile panel): from a preference field with an
        opposite (liked/disliked items and people, wanted/excluded genres), a wanted language, a
        year or runtime bound (``value`` is then ignored: the bound is lifted), or a liked film beyond
        the catalogue (its genres go with it: ``outside_genres`` are those of the films left)."""
        if field not in OPPOSED and field not in LIMITS and field != "liked_outside":
            raise InvalidInputError(f"cannot remove from {field!r}")
        with self._lock, self.recommender.store.lock(self.id):
            self._reload()
            updated = self.state.model_copy(deep=True)
            current = getattr(updated, field)
            setattr(updated, field, [v for v in current if v != value] if isinstance(current, list) else None)
            if field == "liked_outside":
                films = [self.recommender.toolbox.extended.film(i) for i in updated.liked_outside]
                genres = (g for f in films if f is not None for g in f.genres)
                updated.outside_genres = list(dict.fromkeys(genres))
            self.recommender.store.save_feedback(self.id, 0, f"remove:{field}", updated)
            self.state = updated
        return updated

    def history(self) -> list[StoredMessage]:
        return self.recommender.store.messages(self.id)
