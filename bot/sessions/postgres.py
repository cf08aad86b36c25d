"""The shared session store: PostgreSQL through psycopg 3 and two connection pools.

The conversation lock is a session-level advisory lock (``pg_advisory_lock`` on a 64-bit hash of the
id) held on a connection of the *lock pool* for the whole turn; reads and writes use the *work pool*,
so a worker whose turns hold every lock connection can still save them (no pool deadlock). A worker
that dies drops its connections, and PostgreSQL releases its locks. The same database keeps the
shared rate-limit windows (``rate_hit``), under keys hashed so that no client address is stored."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.sessions.base import SCHEMA_VERSION, SessionStore, StoredMessage
from bot.state import DialogueState
from tools.errors import StoreUnavailableError

log = logging.getLogger(__name__)
MIGRATION_LOCK = 7_013_017  # advisory lock key that serialises schema upgrades of several workers
MIGRATIONS = {
    1: """
CREATE TABLE IF NOT EXISTS parley_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, state JSONB NOT NULL, updated DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated);
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
  payload JSONB, created DOUBLE PRECISION NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TABLE IF NOT EXISTS feedback (
  id BIGSERIAL PRIMARY KEY, session_id TEXT NOT NULL, item_id INTEGER NOT NULL, kind TEXT NOT NULL,
  created DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_session ON feedback (session_id, id);
CREATE TABLE IF NOT EXISTS rate_hits (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS rate_hits_key ON rate_hits (key, at);
""",
}
ID_KEY = "hashtextextended(%s, 0)"


def _unavailable(error: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(
        "sessions",
        f"cannot reach PostgreSQL: {type(error).__name__}: {error}",
        "check PARLEY_DATABASE_URL and that the database server runs",
    )


class PostgresSessionStore(SessionStore):
    kind = "postgresql"

    def __init__(self, url: str, pool_size: int = 8, timeout_s: float = 30.0, migrate: bool = True) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": max(1, int(timeout_s))}
        self._work = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs=kwargs, open=False)
        self._locks = ConnectionPool(url, min_size=0, max_size=pool_size, kwargs=kwargs, open=False)
        try:
            self._work.open(wait=True, timeout=timeout_s)
            self._locks.open()
        except (PoolTimeout, psycopg.Error) as error:
            self.close()
            raise _unavailable(error) from error
        if migrate:
            self.upgrade()

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._work.connection(timeout=self.timeout_s) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise _unavailable(error) from error

    # -- schema ----------------------------------------------------------------------------------
    def upgrade(self) -> int:
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS parley_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = conn.execute("SELECT value FROM parley_meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreUnavailableError(
                    "sessions",
                    f"the database has schema version {version}, this Parley knows {SCHEMA_VERSION}",
                    "upgrade Parley",
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[target])
                conn.execute(
                    "INSERT INTO parley_meta VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(target),),
                )
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._conn() as conn:
            if conn.execute("SELECT to_regclass('parley_meta')").fetchone() == (None,):
                return 0
            row = conn.execute("SELECT value FROM parley_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def ping(self) -> str:
        with self._conn() as conn:
            where = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
        return f"postgresql {where}: schema version {self.schema_version() or 'none'}"

    # -- the conversation lock -------------------------------------------------------------------
    def lock(self, session_id: str) -> AbstractContextManager[None]:
        return self._advisory(session_id)

    @contextmanager
    def _advisory(self, session_id: str) -> Iterator[None]:
        with self._local_lock(session_id):  # one lock connection per conversation and worker
            try:
                holder = self._locks.getconn(timeout=self.timeout_s)
            except PoolTimeout as error:
                raise _unavailable(error) from error
            try:
                holder.execute(f"SELECT pg_advisory_lock({ID_KEY})", (session_id,))
                try:
                    yield
                finally:
                    holder.execute(f"SELECT pg_advisory_unlock({ID_KEY})", (session_id,))
            except psycopg.OperationalError as error:  # the connection broke: the server released the lock
                log.warning("session lock connection lost: %s", type(error).__name__)
                raise _unavailable(error) from error
            finally:
                self._locks.putconn(holder)

    # -- reads and writes ------------------------------------------------------------------------
    def load_state(self, session_id: str) -> DialogueState | None:
        with self._conn() as conn:
            row = conn.execute("SELECT state::text FROM sessions WHERE id = %s", (session_id,)).fetchone()
        return DialogueState.model_validate_json(row[0]) if row else None

    def save_turn(self, session_id: str, state: DialogueState, messages: list[StoredMessage]) -> None:
        now = time.time()
        with self._conn() as conn, conn.transaction():
            self._upsert(conn, session_id, state, now)
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = %s", (session_id,)
            ).fetchone()
            seq = int(row[0]) if row else 0
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO messages VALUES (%s, %s, %s, %s, %s::jsonb, %s)",
                    [
                        (session_id, seq + n, m.role, m.text, json.dumps(m.payload), now)
                        for n, m in enumerate(messages, start=1)
                    ],
                )

    def save_feedback(self, session_id: str, item_id: int, kind: str, state: DialogueState) -> None:
        now = time.time()
        with self._conn() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO feedback (session_id, item_id, kind, created) VALUES (%s, %s, %s, %s)",
                (session_id, item_id, kind, now),
            )
            self._upsert(conn, session_id, state, now)

    @staticmethod
    def _upsert(conn: psycopg.Connection[Any], session_id: str, state: DialogueState, now: float) -> None:
        conn.execute(
            "INSERT INTO sessions VALUES (%s, %s::jsonb, %s) ON CONFLICT (id) DO UPDATE "
            "SET state = excluded.state, updated = excluded.updated",
            (session_id, state.model_dump_json(), now),
        )

    def messages(self, session_id: str) -> list[StoredMessage]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT role, text, payload::text FROM messages WHERE session_id = %s ORDER BY seq",
                (session_id,),
            ).fetchall()
        return [StoredMessage(role=r, text=t, payload=json.loads(p) if p else None) for r, t, p in rows]

    def feedback(self, session_id: str) -> list[tuple[int, str]]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT item_id, kind FROM feedback WHERE session_id = %s ORDER BY id", (session_id,)
            ).fetchall()
        return [(int(i), str(k)) for i, k in rows]

    # -- privacy ---------------------------------------------------------------------------------
    def delete(self, session_id: str) -> bool:
        found = 0
        with self._conn() as conn, conn.transaction():
            for table, column in (("messages", "session_id"), ("feedback", "session_id"), ("sessions", "id")):
                found += conn.execute(f"DELETE FROM {table} WHERE {column} = %s", (session_id,)).rowcount
        return found > 0

    def purge(self, idle_s: float, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - idle_s
        with self._conn() as conn, conn.transaction():
            idle = "SELECT id FROM sessions WHERE updated < %s"
            conn.execute(f"DELETE FROM messages WHERE session_id IN ({idle})", (cutoff,))
            conn.execute(f"DELETE FROM feedback WHERE session_id IN ({idle})", (cutoff,))
            return int(conn.execute("DELETE FROM sessions WHERE updated < %s", (cutoff,)).rowcount)

    # -- shared rate limits ----------------------------------------------------------------------
    def rate_hit(
        self, key: str, per_minute: int, window_s: float = 60.0, now: float | None = None
    ) -> float | None:
        """Count one request of ``key`` in the shared sliding window: None when allowed, else the
        seconds until the next one is. Denied requests are not counted."""
        now = time.time() if now is None else now
        hashed = hashlib.sha256(key.encode()).hexdigest()[:32]
        with self._conn() as conn, conn.transaction():
            conn.execute(f"SELECT pg_advisory_xact_lock({ID_KEY})", (hashed,))
            conn.execute("DELETE FROM rate_hits WHERE key = %s AND at <= %s", (hashed, now - window_s))
            row = conn.execute("SELECT COUNT(*), MIN(at) FROM rate_hits WHERE key = %s", (hashed,)).fetchone()
            count, oldest = (int(row[0]), row[1]) if row else (0, None)
            if count >= per_minute and oldest is not None:
                return max(0.1, window_s - (now - float(oldest)))
            conn.execute("INSERT INTO rate_hits VALUES (%s, %s)", (hashed, now))
            if random.random() < 0.01:  # windows of keys that went quiet
                conn.execute("DELETE FROM rate_hits WHERE at <= %s", (now - window_s,))
        return None

    def close(self) -> None:
        self._locks.close()
        self._work.close()
