"""Parley's public Python API: ``Recommender`` and ``Session``.

A turn (plan-first controller): sanitise the message; extract preferences (deterministic linker and
lexicons, plus the LLM extractor when the backend does constrained JSON); resolve references to
earlier recommendations; decide to ask or to recommend; rank with the tools; write the reply from
the evidence (validated LLM writer, or the template writer). Every component failure degrades the
turn; none ends the session.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator

import prompts
from bot.controller import TurnContext, plan_turn
from bot.llm.base import LLMBackend
from bot.session_store import SessionStore, SqliteSessionStore, StoredMessage
from bot.settings import Settings, offline_environment, store_config
from bot.state import DialogueState
from bot.state_update import apply_feedback
from bot.tool_agent import ToolAgent
from bot.types import DoneEvent, FeedbackKind, Recommendation, Reply, StreamEvent, TextChunkEvent
from bot.writer import GroundedWriter, chunks
from tools.engine import Toolbox
from tools.errors import ParleyError, StoreUnavailableError
from tools.stores import Stores

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000


class InvalidInputError(ParleyError):
    """A message or feedback event that cannot be used (reported politely, state unchanged)."""


def sanitise(text: object, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, str | None]:
    """(clean text, problem) where problem is None, "empty", "too_long" or "unreadable"."""
    if not isinstance(text, str):
        return "", "unreadable"
    cleaned = "".join(ch if (ch.isprintable() or ch in "\n\t") else " " for ch in text).strip()
    if not cleaned:
        return "", "empty"
    if len(cleaned) > limit:
        return "", "too_long"
    return cleaned, None


def tool_agent_for(toolbox: Toolbox, llm: LLMBackend | None, mode: str, max_steps: int) -> ToolAgent | None:
    """The tool-calling agent for ``mode`` ("tools", "plan" or "auto"), or None for plan-first."""
    if mode not in ("auto", "plan", "tools"):
        raise InvalidInputError(f"unknown agent mode {mode!r}; choose auto, plan or tools")
    if llm is None or mode == "plan" or (mode == "auto" and not llm.supports_tools):
        return None
    return ToolAgent(toolbox, llm, max_steps=max_steps)


def check_vectors(stores: Stores) -> None:
    """Raise StoreUnavailableError (naming `parley ingest`) when the vector collection is missing, empty
    or unreadable: a clear message at start rather than a stack trace or silently degraded answers."""
    try:
        count = stores.vectors().count()
    except ParleyError:
        raise
    except Exception as error:  # Chroma raises sqlite and Rust errors for a corrupt store
        raise StoreUnavailableError(
            "vector", f"cannot read the Chroma store: {type(error).__name__}: {error}"
        ) from error
    if count == 0:
        raise StoreUnavailableError("vector", "the Chroma collection is missing or empty")


class Recommender:
    """Entry point: ``Recommender.from_settings()``, then ``new_session()`` or ``session(id)``."""

    def __init__(
        self,
        toolbox: Toolbox,
        llm: LLMBackend | None,
        store: SessionStore,
        max_questions: int = 2,
        k: int = 5,
        llm_extractor: str = "when_unsure",
        agent_mode: str = "auto",
        agent_max_steps: int = 2,
    ) -> None:
        self.toolbox = toolbox
        self.llm = llm
        self.store = store
        self.max_questions = max_questions
        self.k = k
        if llm_extractor not in ("always", "when_unsure", "off"):
            raise InvalidInputError(f"unknown LLM extractor mode {llm_extractor!r}")
        self.llm_extractor = llm_extractor
        self.agent_mode = agent_mode
        self.agent_max_steps = agent_max_steps
        self.writer = GroundedWriter(llm, toolbox.index)
        self.tool_agent = tool_agent_for(toolbox, llm, agent_mode, agent_max_steps)
        self._stores: Stores | None = None

    def with_options(
        self,
        *,
        store: SessionStore | None = None,
        llm: LLMBackend | None = None,
        max_questions: int | None = None,
    ) -> Recommender:
        """The same toolbox, stores and options with another session store, LLM (e.g. a recording
        wrapper) or question budget; None keeps the current one. For evaluation and benchmarks."""
        rec = Recommender(
            self.toolbox,
            llm or self.llm,
            store or self.store,
            max_questions=self.max_questions if max_questions is None else max_questions,
            k=self.k,
            llm_extractor=self.llm_extractor,
            agent_mode=self.agent_mode,
            agent_max_steps=self.agent_max_steps,
        )
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
        store = SqliteSessionStore(settings.state_dir / "sessions.sqlite3")
        rec = cls(
            toolbox,
            llm,
            store,
            max_questions=settings.max_questions,
            k=settings.recommendations_per_turn,
            agent_mode=settings.agent_mode,
            agent_max_steps=settings.agent_max_steps,
            llm_extractor=settings.llm_extractor,
        )
        rec._stores = stores
        return rec

    def new_session(self) -> Session:
        return Session(self, uuid.uuid4().hex, DialogueState())

    def session(self, session_id: str) -> Session:
        """Resume a stored session (a new one with that id when it does not exist yet)."""
        if not session_id or len(session_id) > 128:
            raise InvalidInputError("a session id has 1 to 128 characters")
        state = self.store.load_state(session_id)
        return Session(self, session_id, state or DialogueState())

    # -- catalogue and ranking access for evaluation and tools around the chat ----------------------
    RANKERS = ("popularity", "cf", "kg", "vector", "fused")

    def catalogue_ids(self) -> list[int]:
        return sorted(self.toolbox.items.rows)

    def item_facts(self, item_id: int) -> dict[str, object]:
        """An item's facts from the catalogue table (title, year, genres, directors, cast, keywords;
        people and keywords as graph keys; ``chat_recommended``: in how many chat dialogues it was
        recommended, ``chat_co_recommended``: {mentioned movie: chats where it was mentioned and this one
        recommended}), or {} when it is not in the catalogue."""
        row = self.toolbox.items.get(item_id)
        if row is None:
            return {}
        return {
            "item_id": row.item_id,
            "title": row.display_title,
            "year": row.year,
            "genres": sorted(row.genres),
            "directors": sorted(row.directors),
            "cast": sorted(row.cast),
            "keywords": sorted(row.keywords),
            "popularity": row.popularity,
            "chat_recommended": self.toolbox.chat_mentions.recommended_counts.get(item_id, 0),
            "chat_co_recommended": dict(self.toolbox.chat_mentions.co_to.get(item_id, {})),
        }

    def link(self, text: str, limit: int = 5) -> list[dict[str, object]]:
        """Entity linking of one mention (kg_lookup link), as plain data."""
        return [c.model_dump() for c in self.toolbox.index.link(text[:300], limit=limit)]

    def rank(self, state: DialogueState, k: int = 10, ranker: str = "fused") -> list[Recommendation]:
        """Rank for a given state with one of ``RANKERS`` (baselines for evaluation)."""
        from bot.controller import to_recommendations

        if ranker not in self.RANKERS:
            raise InvalidInputError(f"unknown ranker {ranker!r}; choose from {', '.join(self.RANKERS)}")
        result = self.toolbox.ranker.rank(
            state.to_profile(), k=k, only=self.toolbox.ranker_sources(ranker), diversify=ranker == "fused"
        )
        return to_recommendations(result)

    def rank_all(
        self,
        state: DialogueState,
        k: int = 10,
        rankers: tuple[str, ...] = RANKERS,
        held_out_dialogue: str | None = None,
    ) -> dict[str, list[Recommendation]]:
        """``rank`` for several rankers at once: the sources are asked once and their lists fused per
        ranker (the baselines are subsets of the fused ranker's sources; graph explanations are
        looked up for the fused ranker only). The same items as ``rank`` for each.

        ``held_out_dialogue`` (corpus replay, e.g. ``"redial:20001"``): that chat dialogue is left out of
        the conversation prior, so a replayed dialogue is never scored with its own answers."""
        from bot.controller import to_recommendations

        unknown = [r for r in rankers if r not in self.RANKERS]
        if unknown:
            raise InvalidInputError(f"unknown ranker {unknown[0]!r}; choose from {', '.join(self.RANKERS)}")
        profile = state.to_profile().model_copy(update={"held_out_dialogue": held_out_dialogue})
        ranker = self.toolbox.ranker
        gathered = ranker.gather(profile)
        out: dict[str, list[Recommendation]] = {}
        for name in rankers:
            only = self.toolbox.ranker_sources(name)
            found = {s: items for s, items in gathered.found.items() if only is None or s in only}
            fused = name == "fused"
            result = ranker.fuse(profile, found, k, diversify=fused, explain=fused)
            out[name] = to_recommendations(result)
        return out

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
        with self._lock:
            yield from self._turn(text)

    def _turn(self, text: str) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        clean, problem = sanitise(text)
        if problem is not None:
            message = prompts.render("bad_input.j2", problem=problem, limit=MAX_MESSAGE_CHARS)
            yield TextChunkEvent(text=message)
            yield DoneEvent(reply=Reply(session_id=self.id, text=message, profile=self.state))
            return
        rec = self.recommender
        context = TurnContext(
            toolbox=rec.toolbox,
            llm=rec.llm if rec.llm_extractor != "off" else None,
            llm_extractor=rec.llm_extractor,
            writer=rec.writer,
            max_questions=rec.max_questions,
            k=rec.k,
            tool_agent=rec.tool_agent,
        )
        outcome = None
        for event in plan_turn(context, self.state, clean):
            if isinstance(event, DoneEvent):
                outcome = event.reply.model_copy(update={"session_id": self.id})
                continue
            yield event
        if outcome is None:
            raise ParleyError("the controller ended without a reply")
        if {"kg", "explain"} & set(outcome.degraded):
            rec.toolbox.stores.recover_graph()  # a dead embedded server restarts in the background
        for piece in chunks(outcome.text):
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
        with self._lock:
            updated = apply_feedback(self.state, item_id, kind)
            self.recommender.store.save_feedback(self.id, item_id, kind, updated)
            self.state = updated
        return updated

    def remove_preference(self, field: str, value: object) -> DialogueState:
        """Drop one entry from the profile (the UI's profile panel)."""
        allowed = {
            "liked_items",
            "disliked_items",
            "liked_people",
            "disliked_people",
            "genres_in",
            "genres_out",
        }
        if field not in allowed:
            raise InvalidInputError(f"cannot remove from {field!r}")
        with self._lock:
            updated = self.state.model_copy(deep=True)
            setattr(updated, field, [v for v in getattr(updated, field) if v != value])
            self.recommender.store.save_feedback(self.id, 0, f"remove:{field}", updated)
            self.state = updated
        return updated

    def history(self) -> list[StoredMessage]:
        return self.recommender.store.messages(self.id)
