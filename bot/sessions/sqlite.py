"""The embedded session store: one SQLite file (WAL mode, one transaction per write, so an acknowledged
message or feedback event survives a kill). Several processes on one host may share the file: the
conversation lock is a byte-range lock on ``<file>.locks`` as well as an in-process lock. (Several
hosts cannot share it: use the PostgreSQL store.)"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import ClassVar

from bot.sessions.base import SCHEMA_VERSION, SessionStore, StoredMessage, StripedLocks
from bot.state import DialogueState
from tools.errors import StoreUnavailableError

MIGRATIONS = {
    1: """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
  payload TEXT, created REAL NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE IF NOT EXISTS feedback (
  session_id TEXT NOT NULL, item_id INTEGER NOT NULL, kind TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated);
CREATE INDEX IF NOT EXISTS feedback_session ON feedback (session_id);
""",
}


class _FileLocks:
    """The conversation locks of one database file in this process, shared by every store over it:
    the same in-process stripes, and one descriptor of ``<file>.locks`` (closing any descriptor of a
    file drops all the process's POSIX locks on it, so there is only one, closed with the last store)."""

    _registry: ClassVar[dict[str, _FileLocks]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path
        self.stripes = StripedLocks()
        self.fd = os.open(f"{path}.locks", os.O_RDWR | os.O_CREAT, 0o600)
        self.users = 0

    @classmethod
    def acquire(cls, path: str) -> _FileLocks:
        key = os.path.realpath(path)
        with cls._guard:
            locks = cls._registry.get(key) or cls._registry.setdefault(key, cls(key))
            locks.users += 1
            return locks

    def release(self) -> None:
        with self._guard:
            self.users -= 1
            if self.users == 0:
                del self._registry[self.path]
                os.close(self.fd)

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        offset = StripedLocks.stripe(session_id)
        with self.stripes.lock_for(session_id):
            fcntl.lockf(self.fd, fcntl.LOCK_EX, 1, offset)
            try:
                yield
            finally:
                fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, offset)


class SqliteSessionStore(SessionStore):
    kind = "sqlite"

    def __init__(self, path: Path | str, migrate: bool = True) -> None:
        super().__init__()
        self.path = str(path)
        self._file_locks: _FileLocks | None = None
        if self.path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._file_locks = _FileLocks.acquire(self.path)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        if migrate:
            self.upgrade()

    # -- schema ----------------------------------------------------------------------------------
    def upgrade(self) -> int:
        with self._lock:
            (version,) = self._conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StoreUnavailableError(
                    "sessions",
                    f"{self.path} has schema version {version}, this Parley knows {SCHEMA_VERSION}",
                    "upgrade Parley",
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                self._conn.executescript(MIGRATIONS[target])
                self._conn.execute(f"PRAGMA user_version = {target}")
            return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._lock:
            (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        return int(version)

    def ping(self) -> str:
        return f"sqlite {self.path}: schema version {self.schema_version()}"

    # -- the conversation lock -------------------------------------------------------------------
    def lock(self, session_id: str) -> AbstractContextManager[None]:
        if self._file_locks is None:  # ":memory:": this store only
            return self._local_lock(session_id)
        return self._file_locks.hold(session_id)

    # -- reads and writes ------------------------------------------------------------------------
    def load_state(self, session_id: str) -> DialogueState | None:
        with self._lock:
            row = self._conn.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return DialogueState.model_validate_json(row[0]) if row else None

    def save_turn(self, session_id: str, state: DialogueState, messages: list[StoredMessage]) -> None:
        now = time.time()
        with self._transaction():
            self._upsert(session_id, state, now)
            (seq,) = self._conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = ?", (session_id,)
            ).fetchone()
            self._conn.executemany(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (session_id, seq + n, m.role, m.text, json.dumps(m.payload), now)
                    for n, m in enumerate(messages, start=1)
                ],
            )

    def save_feedback(self, session_id: str, item_id: int, kind: str, state: DialogueState) -> None:
        now = time.time()
        with self._transaction():
            self._conn.execute("INSERT INTO feedback VALUES (?, ?, ?, ?)", (session_id, item_id, kind, now))
            self._upsert(session_id, state, now)

    def _upsert(self, session_id: str, state: DialogueState, now: float) -> None:
        self._conn.execute(
            "INSERT INTO sessions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
            "updated = excluded.updated",
            (session_id, state.model_dump_json(), now),
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

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

    # -- privacy ---------------------------------------------------------------------------------
    def delete(self, session_id: str) -> bool:
        with self._transaction():
            found = 0
            for table, column in (("messages", "session_id"), ("feedback", "session_id"), ("sessions", "id")):
                found += self._conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (session_id,)).rowcount
        return found > 0

    def purge(self, idle_s: float, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - idle_s
        with self._transaction():
            idle = "SELECT id FROM sessions WHERE updated < ?"
            self._conn.execute(f"DELETE FROM messages WHERE session_id IN ({idle})", (cutoff,))
            self._conn.execute(f"DELETE FROM feedback WHERE session_id IN ({idle})", (cutoff,))
            return int(self._conn.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,)).rowcount)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        if self._file_locks is not None:
            self._file_locks.release()
            self._file_locks = None
