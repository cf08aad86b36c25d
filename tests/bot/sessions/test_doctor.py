"""``parley doctor``'s session-store check, over a real SQLite file and a real PostgreSQL on loopback:
it reads without migrating, and says what is wrong with a one-line fix (no store yet, an old or a
newer schema, an unreachable server, a missing URL)."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.doctor import session_check
from bot.sessions import SCHEMA_VERSION, run_db
from bot.settings import Settings


def _sqlite(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, data_dir=tmp_path)


def _postgres(tmp_path: Path, url: str | None) -> Settings:
    return Settings(state_dir=tmp_path, data_dir=tmp_path, session_store="postgresql", database_url=url)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sqlite_missing_then_current_then_old(tmp_path: Path) -> None:
    settings = _sqlite(tmp_path)
    missing = session_check(settings)
    assert not missing.ok and "no session store" in missing.detail
    assert "parley db upgrade" in missing.fix
    assert not (tmp_path / "sessions.sqlite3").exists()  # the doctor only looks
    assert run_db("upgrade", settings) == 0
    current = session_check(settings)
    assert current.ok, current
    assert f"schema version {SCHEMA_VERSION}" in current.detail and "sqlite" in current.detail
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 0")
    old = session_check(settings)
    assert not old.ok and f"schema version 0, this Parley needs {SCHEMA_VERSION}" in old.detail
    assert "parley db upgrade" in old.fix
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as conn:  # still old: nothing was migrated
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)


def test_sqlite_corrupt_file_fails_with_a_fix(tmp_path: Path) -> None:
    (tmp_path / "sessions.sqlite3").write_bytes(b"not a database at all" * 100)
    check = session_check(_sqlite(tmp_path))
    assert not check.ok and "DatabaseError" in check.detail and check.fix


def test_postgres_empty_then_upgraded_then_old_then_newer(pg_url: str, tmp_path: Path) -> None:
    settings = _postgres(tmp_path, pg_url)
    empty = session_check(settings)
    assert not empty.ok and "postgresql: schema version 0" in empty.detail
    assert "parley db upgrade" in empty.fix
    assert run_db("upgrade", settings) == 0
    current = session_check(settings)
    assert current.ok and current.detail.startswith("postgresql 127.0.0.1:")
    assert f": schema version {SCHEMA_VERSION}" in current.detail
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE parley_meta SET value = '0' WHERE key = 'schema_version'")
    old = session_check(settings)
    assert not old.ok and "this Parley needs" in old.detail and "parley db upgrade" in old.fix
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE parley_meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    newer = session_check(settings)
    assert not newer.ok and "newer than this Parley" in newer.detail and "upgrade Parley" in newer.fix


def test_postgres_unreachable_and_unset_urls_say_what_to_set(tmp_path: Path, postgres: object) -> None:
    url = f"postgresql://parley@127.0.0.1:{_closed_port()}/parley"
    down = session_check(_postgres(tmp_path, url))
    assert not down.ok and "cannot reach PostgreSQL" in down.detail
    assert "PARLEY_DATABASE_URL" in down.fix
    unset = session_check(_postgres(tmp_path, None))
    assert not unset.ok and "PARLEY_DATABASE_URL is not set" in unset.detail
    assert unset.fix.startswith("set PARLEY_DATABASE_URL=postgresql://")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_doctor_prints_the_session_store_line(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.doctor import Check, print_checks

    settings = (
        _sqlite(tmp_path) if kind == "sqlite" else _postgres(tmp_path, request.getfixturevalue("pg_url"))
    )
    checks: list[Check] = [session_check(settings)]
    assert print_checks(checks) == 1
    out = capsys.readouterr().out
    assert "[FAIL] session store" in out and "fix: run `parley db upgrade`" in out
