"""The store a deployment uses comes from Settings; the retention purge runs at start-up and by
``parley db purge``; ``parley db upgrade`` creates the schema."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.sessions import SqliteSessionStore, StoredMessage, session_store_from_settings
from bot.sessions.factory import DAY_S
from bot.settings import Settings
from bot.state import DialogueState
from cli.main import main
from tools.errors import ConfigurationError


def _old_and_new(path: Path) -> None:
    store = SqliteSessionStore(path)
    store.save_turn("old", DialogueState(), [StoredMessage(role="user", text="long ago")])
    store.save_turn("new", DialogueState(), [StoredMessage(role="user", text="today")])
    store._conn.execute("UPDATE sessions SET updated = ? WHERE id = 'old'", (time.time() - 40 * DAY_S,))
    store.close()


def test_sqlite_is_the_default_and_retention_purges_at_start(tmp_path: Path) -> None:
    _old_and_new(tmp_path / "sessions.sqlite3")
    kept = session_store_from_settings(Settings(state_dir=tmp_path))
    assert kept.kind == "sqlite" and kept.messages("old")  # retention 0: everything is kept
    kept.close()
    store = session_store_from_settings(Settings(state_dir=tmp_path, retention_days=30))
    assert store.messages("old") == [] and store.load_state("old") is None
    assert [m.text for m in store.messages("new")] == ["today"]
    store.close()


def test_postgresql_needs_a_database_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PARLEY_DATABASE_URL"):
        session_store_from_settings(Settings(state_dir=tmp_path, session_store="postgresql"))


def test_parley_db_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_STATE_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    assert "schema version 1" in capsys.readouterr().out
    assert main(["db", "purge"]) == 0
    assert "nothing to purge" in capsys.readouterr().out
    _old_and_new(tmp_path / "sessions.sqlite3")
    monkeypatch.setenv("PARLEY_RETENTION_DAYS", "30")
    assert main(["db", "purge"]) == 0
    assert "erased 1 conversations" in capsys.readouterr().out


def test_parley_db_upgrade_on_postgresql(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_SESSION_STORE", "postgresql")
    monkeypatch.setenv("PARLEY_DATABASE_URL", pg_url)
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "session store (postgresql) at schema version 1: postgresql 127.0.0.1:" in out
    monkeypatch.setenv("PARLEY_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 2
    assert "PARLEY_DATABASE_URL" in capsys.readouterr().err
