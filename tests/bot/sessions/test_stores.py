"""Both session stores behind one interface: round trips, append-only history, the conversation lock
across two stores (two workers) over one database, erasure, retention and schema upgrades."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.sessions import SCHEMA_VERSION, StoredMessage
from bot.state import DialogueState
from tests.bot.sessions.conftest import Backend
from tools.errors import StoreUnavailableError


def _turn(text: str) -> list[StoredMessage]:
    return [StoredMessage(role="user", text=text), StoredMessage(role="assistant", text=f"re: {text}")]


def test_round_trip_and_append_only_history(backend: Backend) -> None:
    store = backend.open()
    assert store.load_state("c1") is None
    state = DialogueState(liked_items=[6], turns=1)
    store.save_turn("c1", state, _turn("hello"))
    store.save_feedback("c1", 6, "like", state)
    store.save_turn("c1", state.model_copy(update={"turns": 2}), _turn("more"))
    other = backend.open()  # another worker sees everything
    assert [m.text for m in other.messages("c1")] == ["hello", "re: hello", "more", "re: more"]
    assert other.feedback("c1") == [(6, "like")]
    loaded = other.load_state("c1")
    assert loaded is not None and loaded.turns == 2 and loaded.liked_items == [6]
    assert other.messages("c2") == [] and other.feedback("c2") == []
    assert store.ping() and store.kind == backend.kind


def test_the_conversation_lock_excludes_another_worker(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    events: list[str] = []
    entered = threading.Event()

    def hold() -> None:
        with first.lock("c1"):
            entered.set()
            time.sleep(0.4)
            events.append("first out")

    thread = threading.Thread(target=hold)
    thread.start()
    assert entered.wait(10)
    with second.lock("c1"):
        events.append("second in")
    with second.lock("other"):  # another conversation is not held up
        pass
    thread.join()
    assert events == ["first out", "second in"]


def test_read_modify_write_under_the_lock_loses_no_update(backend: Backend) -> None:
    stores = [backend.open(), backend.open()]

    def like(n: int) -> None:
        store = stores[n % 2]
        with store.lock("c1"):
            state = store.load_state("c1") or DialogueState()
            updated = state.model_copy(update={"liked_items": [*state.liked_items, n]})
            store.save_feedback("c1", n, "like", updated)

    threads = [threading.Thread(target=like, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = stores[0].load_state("c1")
    assert final is not None and sorted(final.liked_items) == list(range(24))
    assert len(stores[1].feedback("c1")) == 24


def test_delete_leaves_nothing_in_the_database(backend: Backend) -> None:
    store = backend.open()
    store.save_turn("gone", DialogueState(description="quiet films about grief"), _turn("I lost my dad"))
    store.save_feedback("gone", 6, "like", DialogueState(liked_items=[6]))
    store.save_turn("kept", DialogueState(), _turn("hi"))
    assert backend.rows("gone") == 4
    assert store.delete("gone") is True
    assert backend.rows("gone") == 0
    assert backend.rows("kept") == 3
    assert store.delete("gone") is False


def test_purge_erases_only_idle_conversations(backend: Backend) -> None:
    store = backend.open()
    store.save_turn("old", DialogueState(), _turn("long ago"))
    store.save_feedback("old", 6, "like", DialogueState())
    time.sleep(0.05)
    cutoff = time.time()
    store.save_turn("new", DialogueState(), _turn("today"))
    assert store.purge(idle_s=time.time() - cutoff) == 1  # idle for longer than since `cutoff`
    assert backend.rows("old") == 0 and backend.rows("new") == 3


def test_upgrade_is_idempotent_and_a_newer_schema_is_refused(backend: Backend) -> None:
    store = backend.open()
    store.save_turn("c1", DialogueState(), _turn("hi"))
    assert store.upgrade() == SCHEMA_VERSION
    assert backend.open().messages("c1")[0].text == "hi"  # a second worker's upgrade changes nothing
    if backend.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(backend.target) as conn:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    else:
        import psycopg

        with psycopg.connect(backend.target, autocommit=True) as conn:
            conn.execute("UPDATE parley_meta SET value = %s", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreUnavailableError, match="schema version"):
        backend.open()


def test_postgres_unreachable_is_a_store_error() -> None:
    from bot.sessions.local_postgres import _free_port
    from bot.sessions.postgres import PostgresSessionStore

    with pytest.raises(StoreUnavailableError, match="PARLEY_DATABASE_URL"):
        PostgresSessionStore(f"postgresql://x@127.0.0.1:{_free_port()}/x", timeout_s=2)


def _hold_in_another_process(path: str, held: Any, release: Any) -> None:
    from bot.sessions import SqliteSessionStore

    store = SqliteSessionStore(path)
    with store.lock("c1"):
        held.set()
        release.wait(10)
    store.close()


def test_sqlite_lock_excludes_another_process_on_the_same_host(tmp_path: Path) -> None:
    import multiprocessing

    from bot.sessions import SqliteSessionStore

    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    path = str(tmp_path / "sessions.sqlite3")
    other = context.Process(target=_hold_in_another_process, args=(path, held, release))
    other.start()
    assert held.wait(60)
    store = SqliteSessionStore(path)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    started = time.monotonic()
    with store.lock("c1"):
        waited = time.monotonic() - started
    other.join(30)
    store.close()
    assert waited >= 0.4
