"""Where sessions live: conversations, dialogue states and feedback events.

``SessionStore`` is the interface (a shared store can replace it when several app workers run);
``SqliteSessionStore`` is the default (WAL mode, one transaction per write, so an acknowledged
message or feedback event survives a kill).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

from pydantic import BaseModel

from bot.state import DialogueState

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
  payload TEXT, created REAL NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE IF NOT EXISTS feedback (
  session_id TEXT NOT NULL, item_id INTEGER NOT NULL, kind TEXT NOT NULL, created REAL NOT NULL);
"""


class StoredMessage(BaseModel):
    role: str
    text: str
    payload: dict | None = None  # type: ignore[type-arg]


class SessionStore(ABC):
    @abstractmethod
    def load_state(self, session_id: str) -> DialogueState | None: ...

    @abstractmethod
    def save_turn(self, session_id: str, state: DialogueState, messages: list[StoredMessage]) -> None:
        """Store the new state and the turn's messages atomically."""

    @abstractmethod
    def save_feedback(self, session_id: str, item_id: int, kind: str, state: DialogueState) -> None:
        """Store a feedback event and the state it led to atomically (before acknowledging it)."""

    @abstractmethod
    def messages(self, session_id: str) -> list[StoredMessage]: ...

    @abstractmethod
    def feedback(self, session_id: str) -> list[tuple[int, str]]: ...


class SqliteSessionStore(SessionStore):
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(SCHEMA)

    def load_state(self, session_id: str) -> DialogueState | None:
        with self._lock:
            row = self._conn.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return DialogueState.model_validate_json(row[0]) if row else None

    def save_turn(self, session_id: str, state: DialogueState, messages: list[StoredMessage]) -> None:
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._upsert(session_id, state, now)
                (seq,) = self._conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = ?", (session_id,)
                ).fetchone()
                for offset, message in enumerate(messages, start=1):
                    self._conn.execute(
                        "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            session_id,
                            seq + offset,
                            message.role,
                            message.text,
                            json.dumps(message.payload),
                            now,
                        ),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def save_feedback(self, session_id: str, item_id: int, kind: str, state: DialogueState) -> None:
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO feedback VALUES (?, ?, ?, ?)", (session_id, item_id, kind, now)
                )
                self._upsert(session_id, state, now)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _upsert(self, session_id: str, state: DialogueState, now: float) -> None:
        self._conn.execute(
            "INSERT INTO sessions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
            "updated = excluded.updated",
            (session_id, state.model_dump_json(), now),
        )

    def messages(self, session_id: str) -> list[StoredMessage]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT role, text, payload FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
            ).fetchall()
        return [StoredMessage(role=r, text=t, payload=json.loads(p) if p else None) for r, t, p in rows]

    def feedback(self, session_id: str) -> list[tuple[int, str]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT item_id, kind FROM feedback WHERE session_id = ? ORDER BY rowid", (session_id,)
            ).fetchall()
        return [(int(i), str(k)) for i, k in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
