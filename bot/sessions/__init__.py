"""Where conversations live: the ``SessionStore`` interface, its SQLite (embedded default) and
PostgreSQL (several workers) implementations, and the factory that picks one from ``Settings``.
The PostgreSQL store is imported lazily (``bot.sessions.postgres``) so psycopg loads only when used."""

from bot.sessions.base import SCHEMA_VERSION, SessionStore, StoredMessage
from bot.sessions.factory import open_session_store, purge_idle, run_db, session_store_from_settings
from bot.sessions.sqlite import SqliteSessionStore

__all__ = [
    "SCHEMA_VERSION",
    "SessionStore",
    "SqliteSessionStore",
    "StoredMessage",
    "open_session_store",
    "purge_idle",
    "run_db",
    "session_store_from_settings",
]
