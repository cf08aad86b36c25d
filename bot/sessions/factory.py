"""The session store a deployment uses (``Settings.session_store``), and ``parley db``.

``session_store_from_settings`` opens it, creates or migrates its schema (idempotent, serialised
between workers) and applies the retention policy (``PARLEY_RETENTION_DAYS``) once at start-up."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from bot.sessions.base import SessionStore
from bot.sessions.sqlite import SqliteSessionStore
from bot.settings import Settings
from tools.errors import ConfigurationError, ParleyError

log = logging.getLogger(__name__)
DAY_S = 86_400.0


def sqlite_path(settings: Settings) -> Path:
    return settings.state_dir / "sessions.sqlite3"


def open_session_store(settings: Settings, migrate: bool = True, timeout_s: float = 30.0) -> SessionStore:
    """The configured store with its schema in place (no retention purge); ``migrate=False`` leaves
    the schema as it is (``parley doctor`` only looks)."""
    if settings.session_store == "postgresql":
        if settings.database_url is None:
            raise ConfigurationError("PARLEY_SESSION_STORE=postgresql needs PARLEY_DATABASE_URL")
        from bot.sessions.postgres import PostgresSessionStore

        return PostgresSessionStore(
            settings.database_url.get_secret_value(),
            pool_size=settings.database_pool_size,
            timeout_s=timeout_s,
            migrate=migrate,
        )
    return SqliteSessionStore(sqlite_path(settings), migrate=migrate)


def purge_idle(store: SessionStore, settings: Settings) -> int:
    """Erase the conversations idle for longer than ``retention_days`` (0 = keep all); how many."""
    if settings.retention_days <= 0:
        return 0
    erased = store.purge(settings.retention_days * DAY_S)
    if erased:
        log.info("retention: erased %d conversations idle for over %g days", erased, settings.retention_days)
    return erased


def session_store_from_settings(settings: Settings) -> SessionStore:
    """The store of ``Recommender.from_settings``: opened, migrated, and purged per the retention."""
    store = open_session_store(settings)
    purge_idle(store, settings)
    return store


def run_db(action: str, settings: Settings) -> int:
    """``parley db upgrade`` (create/migrate the schema) and ``parley db purge`` (apply retention)."""
    try:
        store = open_session_store(settings)
    except ParleyError as error:
        print(f"parley db: {error}", file=sys.stderr)
        return 2
    try:
        if action == "upgrade":
            version = store.upgrade()
            print(f"session store ({store.kind}) at schema version {version}: {store.ping()}")
        elif action == "purge":
            if settings.retention_days <= 0:
                print("PARLEY_RETENTION_DAYS is 0: conversations are kept; nothing to purge")
                return 0
            erased = store.purge(settings.retention_days * DAY_S)
            print(f"erased {erased} conversations idle for over {settings.retention_days:g} days")
        else:
            print(f"parley db: unknown action {action!r} (upgrade or purge)", file=sys.stderr)
            return 2
    finally:
        store.close()
    return 0
