"""EmbeddedGraphServer on a real ArcadeDB process: start, stop, readiness, password reuse, kill -9
recovery, adoption by a second instance or process, start-up failures. No mocks."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from retrieval.catalogue_types import Catalogue, Fact, Item
from retrieval.errors import GraphQueryError, GraphServerError, StoreUnavailableError
from retrieval.graph import EmbeddedGraphServer, GraphStore, pid_alive

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180  # generous: CI machines with 2 busy cores start the JVM slowly


def tiny_catalogue() -> Catalogue:
    items = {
        6: Item(item_id=6, title="Heat", year=1995, genres=("Action", "Crime")),
        8798: Item(item_id=8798, title="Collateral", year=2004, genres=("Action", "Crime")),
        1: Item(item_id=1, title="Toy Story", year=1995, genres=("Animation",)),
    }
    facts = [
        Fact(item_id=6, relation="director", value="Michael Mann"),
        Fact(item_id=8798, relation="director", value="Michael Mann"),
        Fact(item_id=6, relation="cast", value="Al Pacino"),
        Fact(item_id=1, relation="cast", value="Tom Hanks"),
    ]
    ratings = pd.DataFrame({"user_id": [1], "item_id": [6], "rating": [4.0], "timestamp": [0]})
    return Catalogue(items=items, ratings=ratings, facts=facts)


def store_for(server: EmbeddedGraphServer) -> GraphStore:
    return GraphStore(server.uri, server.user, server.password, server.database, retry_time_s=0.0)


def wait_dead(pid: int, timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if not pid_alive(pid):  # a killed child stays a zombie until reaped: pid_alive says dead
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still alive")


def test_rejects_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(GraphServerError, match="at least 8"):
        EmbeddedGraphServer(tmp_path, password="short")
    with pytest.raises(GraphServerError, match="invalid database name"):
        EmbeddedGraphServer(tmp_path, database="no spaces; please")
    with pytest.raises(GraphServerError, match="invalid port"):
        EmbeddedGraphServer(tmp_path, bolt_port=70000)
    with pytest.raises(GraphServerError, match="not been started"):
        _ = EmbeddedGraphServer(tmp_path).uri


def test_busy_port_fails_before_spawning(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        server = EmbeddedGraphServer(tmp_path / "g", bolt_port=busy.getsockname()[1])
        with pytest.raises(GraphServerError, match="in use"):
            server.start()
        assert not server.is_running()


def test_unreachable_graph_is_store_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = GraphStore(f"bolt://127.0.0.1:{port}", "root", "whatever-pw", "x", retry_time_s=0.0)
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError) as info:
        store.ping()
    assert info.value.store == "graph"
    assert time.monotonic() - t0 < 10
    store.close()


def test_start_stop_files_and_password_reuse(tmp_path: Path) -> None:
    root = tmp_path / "g"
    server = EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S)
    server.start()
    try:
        assert server.is_running() and server.is_ready()
        assert server.startup_s is not None and server.startup_s > 0
        assert server.uri.startswith("bolt://127.0.0.1:")
        assert int((root / "server.pid").read_text()) == server.pid
        state = json.loads((root / "server.json").read_text())
        assert state["bolt_port"] == server.bolt_port and state["pid"] == server.pid
        assert stat.S_IMODE((root / ".password").stat().st_mode) == 0o600
        assert not (root / ".root-password").exists()  # the start-up copy is gone
        assert server.password not in (root / "server.log").read_text()
        with store_for(server) as store:
            store.load(tiny_catalogue())
            before = store.counts()
        password = server.password
    finally:
        server.stop()
    assert not server.is_running()
    assert not (root / "server.pid").exists() and not (root / "server.json").exists()

    again = EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S)  # no password: reads .password
    again.start()
    try:
        assert again.password == password
        with store_for(again) as store:
            assert store.counts() == before
    finally:
        again.stop()

    wrong = EmbeddedGraphServer(root, password="not-the-password", start_timeout_s=START_TIMEOUT_S)
    with pytest.raises(GraphServerError, match="refused the password"):
        wrong.start()
    assert not wrong.is_running()


def test_kill9_restart_keeps_data_and_store_recovers(tmp_path: Path) -> None:
    server = EmbeddedGraphServer(tmp_path / "g", start_timeout_s=START_TIMEOUT_S, command_timeout_s=1.0)
    server.start()
    store = store_for(server)
    try:
        store.load(tiny_catalogue())
        before = store.counts()
        # the server-side statement limit (ArcadeDB ignores the Bolt transaction timeout)
        with pytest.raises(GraphQueryError, match="timed out"):
            store.run_read(
                "UNWIND range(1, 4000) AS a UNWIND range(1, 4000) AS b "
                "WITH a, b WHERE (a * b) % 7 = 3 RETURN count(*) AS n"
            )
        pid, port = server.pid, server.bolt_port
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        assert not server.is_running()
        with pytest.raises(StoreUnavailableError):
            store.ping()
        assert server.ensure_running() is True
        assert server.pid != pid and server.bolt_port == port
        assert server.ensure_running() is False
        assert store.counts() == before  # same store object: the driver reconnects
        assert store.movie(6)["directors"] == ["Michael Mann"]  # type: ignore[index]
    finally:
        store.close()
        server.stop()


def test_second_instance_adopts_and_only_the_owner_stops(tmp_path: Path) -> None:
    root = tmp_path / "g"
    with EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S) as owner:
        other = EmbeddedGraphServer(root, bolt_port=0, start_timeout_s=START_TIMEOUT_S).start()
        assert other.adopted and other.pid == owner.pid and other.uri == owner.uri
        other.close()  # an adopter leaves the server running
        assert owner.is_running() and owner.is_ready()
        with pytest.raises(GraphServerError, match="databases"):
            EmbeddedGraphServer(root, database="elsewhere").start()
        pid = owner.pid
    assert pid is not None
    wait_dead(pid)


def test_server_left_running_by_another_process_is_reused(tmp_path: Path) -> None:
    root = tmp_path / "g"
    script = (
        "import sys; from pathlib import Path; from retrieval.graph.server import EmbeddedGraphServer; "
        f"s = EmbeddedGraphServer(Path(sys.argv[1]), stop_on_exit=False, start_timeout_s={START_TIMEOUT_S}); "
        "s.start(); print(s.pid, s.bolt_port)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    pid, port = (int(x) for x in done.stdout.split())
    server = EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S)
    try:
        server.start()
        assert server.adopted and server.pid == pid and server.bolt_port == port
        assert server.startup_s is not None and server.startup_s < 10
    finally:
        server.stop()  # an explicit stop ends an adopted server too
    wait_dead(pid)
    assert not (root / "server.json").exists()


def test_explicit_password_is_kept_and_a_lost_one_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "g"
    with EmbeddedGraphServer(root, password="explicit-pass-1", start_timeout_s=START_TIMEOUT_S) as server:
        assert server.is_ready()
    assert (root / ".password").read_text() == "explicit-pass-1"
    (root / ".password").unlink()
    with pytest.raises(GraphServerError, match="not stored"):
        EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S).start()


def test_server_dies_with_a_killed_parent(tmp_path: Path) -> None:
    root = tmp_path / "g"
    script = (
        "import os, signal, sys; from pathlib import Path; from retrieval.graph.server import EmbeddedGraphServer; "
        f"s = EmbeddedGraphServer(Path(sys.argv[1]), start_timeout_s={START_TIMEOUT_S}); "
        "s.start(); print(s.pid, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pid = int(done.stdout.split()[0])
    wait_dead(pid, timeout_s=30)  # no atexit ran: the kernel's parent-death signal stopped it


def test_attach_adopts_a_live_server_and_never_starts_one(tmp_path: Path) -> None:
    root = tmp_path / "g"
    assert EmbeddedGraphServer(root).attach() is False
    assert not root.exists()  # nothing started, nothing written
    with EmbeddedGraphServer(root, start_timeout_s=START_TIMEOUT_S) as owner:
        other = EmbeddedGraphServer(root)
        assert other.attach() is True
        assert other.pid == owner.pid and other.bolt_port == owner.bolt_port
        other.stop()  # `parley graph stop`: an attached server is stopped too
        assert owner.pid is not None
        wait_dead(owner.pid)
    assert EmbeddedGraphServer(root).attach() is False


def test_a_picked_port_taken_before_the_jvm_binds_it_is_picked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkouts starting at once: the port one picked is bound by the other before its JVM
    listens. With ports left to pick (0), the server starts on fresh ones instead of failing."""
    import retrieval.graph.process as process_module

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy])  # the first pick is the port the "other checkout" now holds
        real_free_port = process_module.free_port
        monkeypatch.setattr(process_module, "free_port", lambda: next(picks, None) or real_free_port())
        with EmbeddedGraphServer(tmp_path / "g", start_timeout_s=START_TIMEOUT_S) as server:
            assert server.is_ready()
            assert server.bolt_port != busy
            assert json.loads((tmp_path / "g" / "server.json").read_text())["bolt_port"] == server.bolt_port
