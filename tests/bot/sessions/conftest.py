"""Session-store fixtures: a throwaway PostgreSQL cluster on loopback (Debian's server binaries), a
fresh database per test, and both store kinds behind one ``make_store`` fixture.

Without PostgreSQL server binaries the PostgreSQL cases skip, saying so (scripts/setup.sh installs
Debian's ``postgresql`` package when it runs as root)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sessions import SessionStore, SqliteSessionStore
from bot.sessions.local_postgres import LocalPostgres, server_bin_dir

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    if server_bin_dir() is None:
        pytest.skip("no PostgreSQL server binaries (initdb): apt-get install postgresql")
    server = LocalPostgres().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: LocalPostgres) -> str:
    """A fresh, empty database."""
    return postgres.database(f"t{next(_names)}")


class Backend:
    """One database of one kind; ``open()`` another store (another worker's view) over it, ``rows(id)``
    counts what any table holds about a conversation, read with a plain connection."""

    TABLES = (("sessions", "id"), ("messages", "session_id"), ("feedback", "session_id"))

    def __init__(self, kind: str, target: str) -> None:
        self.kind = kind
        self.target = target
        self.opened: list[SessionStore] = []

    def open(self) -> SessionStore:
        if self.kind == "sqlite":
            store: SessionStore = SqliteSessionStore(self.target)
        else:
            from bot.sessions.postgres import PostgresSessionStore

            store = PostgresSessionStore(self.target, pool_size=4)
        self.opened.append(store)
        return store

    def rows(self, session_id: str) -> int:
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.target) as conn:
                return sum(
                    conn.execute(f"SELECT COUNT(*) FROM {t} WHERE {c} = ?", (session_id,)).fetchone()[0]
                    for t, c in self.TABLES
                )
        import psycopg

        with psycopg.connect(self.target) as conn:
            total = 0
            for t, c in self.TABLES:
                row = conn.execute(f"SELECT COUNT(*) FROM {t} WHERE {c} = %s", (session_id,)).fetchone()
                total += int(row[0]) if row else 0
            return total

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        target = str(tmp_path / "sessions.sqlite3")
    else:
        target = request.getfixturevalue("pg_url")
    db = Backend(request.param, target)
    yield db
    db.close()
