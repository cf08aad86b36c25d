"""The session-store interface: conversations, dialogue states and feedback events of one deployment.

A turn is a read-modify-write of one conversation. ``lock(session_id)`` holds the conversation for
the whole turn (across threads and, for the shared stores, across worker processes and hosts); the
``Session`` reloads the latest state inside it and saves before releasing it, so two workers
answering the same conversation never lose a message, a like or a state change. Messages and
feedback events are appended, never rewritten."""

from __future__ import annotations

import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from pydantic import BaseModel

from bot.state import DialogueState

SCHEMA_VERSION = 1  # bump with a migration in each store's ``MIGRATIONS``
LOCK_STRIPES = 1024


class StoredMessage(BaseModel):
    role: str
    text: str
    payload: dict[str, Any] | None = None


class StripedLocks:
    """In-process locks, one per stripe of conversation ids (bounded memory, no per-id cleanup)."""

    def __init__(self, stripes: int = LOCK_STRIPES) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @staticmethod
    def stripe(session_id: str, stripes: int = LOCK_STRIPES) -> int:
        return zlib.crc32(session_id.encode()) % stripes

    def lock_for(self, session_id: str) -> threading.Lock:
        return self._locks[self.stripe(session_id, len(self._locks))]


class SessionStore(ABC):
    """Where conversations live. ``kind`` names the implementation (``Settings.session_store``)."""

    kind = "abstract"

    def __init__(self) -> None:
        self._local_locks = StripedLocks()

    @abstractmethod
    def load_state(self, session_id: str) -> DialogueState | None: ...

    @abstractmethod
    def save_turn(self, session_id: str, state: DialogueState, messages: list[StoredMessage]) -> None:
        """Store the new state and append the turn's messages atomically."""

    @abstractmethod
    def save_feedback(self, session_id: str, item_id: int, kind: str, state: DialogueState) -> None:
        """Append a feedback event and store the state it led to atomically (before acknowledging it)."""

    @abstractmethod
    def messages(self, session_id: str) -> list[StoredMessage]: ...

    @abstractmethod
    def feedback(self, session_id: str) -> list[tuple[int, str]]: ...

    @abstractmethod
    def delete(self, session_id: str) -> bool:
        """Erase a conversation: its messages, state and feedback. True when something was stored."""

    @abstractmethod
    def purge(self, idle_s: float, now: float | None = None) -> int:
        """Erase the conversations idle for more than ``idle_s`` seconds; returns how many."""

    @abstractmethod
    def upgrade(self) -> int:
        """Create or migrate the schema (idempotent); returns the schema version now in place."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version in place (0: none yet); ``upgrade`` brings it to ``SCHEMA_VERSION``."""

    @abstractmethod
    def ping(self) -> str:
        """A one-line description when the store answers; raises StoreUnavailableError otherwise."""

    def lock(self, session_id: str) -> AbstractContextManager[None]:
        """Hold one conversation for a read-modify-write (a whole turn or one feedback event)."""
        return self._local_lock(session_id)

    @contextmanager
    def _local_lock(self, session_id: str) -> Iterator[None]:
        with self._local_locks.lock_for(session_id):
            yield

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        """Release connections and files."""
