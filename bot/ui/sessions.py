"""A bounded in-memory cache of live ``Session`` objects over the Recommender's SQLite store.

The store is the truth (conversation, state, feedback); the cache only keeps one ``Session`` (and its
lock) per id so that concurrent requests for one conversation are serialised."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from bot.agent import Recommender, Session
from bot.ui.limits import RateLimiter


class SessionPool:
    def __init__(self, recommender: Recommender, capacity: int = 512, rate_limit_per_minute: int = 0) -> None:
        self.recommender = recommender
        self.capacity = capacity
        self.limiter = RateLimiter(rate_limit_per_minute)  # shared by the JSON API and the chat
        self._live: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def get(self, session_id: str) -> Session:
        """The live session with that id (resumed from the store, or new); raises InvalidInputError
        for an id that is not 1 to 128 characters."""
        with self._lock:
            session = self._live.get(session_id)
            if session is None:
                session = self.recommender.session(session_id)
                self._live[session_id] = session
                while len(self._live) > self.capacity:
                    self._live.popitem(last=False)
            else:
                self._live.move_to_end(session_id)
            return session

    def exists(self, session_id: str) -> bool:
        """Whether a conversation with that id has been stored."""
        if not session_id or len(session_id) > 128:
            return False
        return bool(self.get(session_id).history())

    def title_of(self, item_id: int) -> str:
        facts = self.recommender.item_facts(item_id)
        if not facts:
            return f"item {item_id}"
        year = facts.get("year")
        return f"{facts['title']} ({year})" if year else str(facts["title"])
