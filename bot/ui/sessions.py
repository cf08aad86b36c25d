"""A bounded in-memory cache of live ``Session`` objects over the Recommender's session store.

The store is the truth (conversation, state, feedback); the cache only keeps one ``Session`` (and its
lock) per id so that concurrent requests for one conversation are serialised; each turn reloads the
stored state, so another worker's answers are never lost."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from bot.recommender import Recommender, Session
from bot.ui.limits import rate_limiter


class SessionPool:
    def __init__(
        self,
        recommender: Recommender,
        capacity: int = 512,
        rate_limit_per_minute: int = 0,
        rate_limit_per_ip_per_minute: int = 0,
    ) -> None:
        self.recommender = recommender
        self.capacity = capacity
        store = recommender.store
        self.limiter = rate_limiter(rate_limit_per_minute, store)  # shared by the JSON API and the chat
        self.ip_limiter = rate_limiter(rate_limit_per_ip_per_minute, store)  # keys "ip:<address>"
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

    def forget(self, session_id: str) -> bool:
        """Erase a conversation (messages, state, feedback) once no turn of it runs on any worker."""
        if not session_id or len(session_id) > 128:
            return False
        store = self.recommender.store
        with store.lock(session_id):
            found = store.delete(session_id)
        with self._lock:
            self._live.pop(session_id, None)
        return found

    def title_of(self, item_id: int) -> str:
        facts = self.recommender.item_facts(item_id)
        if facts is None:
            return f"item {item_id}"
        return f"{facts.title} ({facts.year})" if facts.year else facts.title

    def outside_title_of(self, movie_id: int) -> str:
        """A liked film beyond the catalogue (``liked_outside``: a MovieLens id), as the reply names it."""
        film = self.recommender.toolbox.extended.film(movie_id)
        return film.display_title if film is not None else f"film {movie_id}"
