"""The embedded graph server around real ``parley`` commands (subprocesses, real ArcadeDB, no mocks).

* Default ports: a server on the default settings picks free ports (a local Neo4j on 7687 or a
  second checkout does not stop it), records them, and the next process adopts it on those ports.
* Lifecycle: a server a command started for itself (``ingest``, ``doctor``, ``chat``, ``serve``)
  is gone when the command ends; one started with ``parley graph start`` survives commands until
  ``parley graph stop``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from bot.settings import Settings, store_config
from retrieval.graph import pid_alive
from tests.fixtures.catalogue import HAND_PICKED
from tools.stores import Stores

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
COMMAND_TIMEOUT_S = 400  # 2 busy cores: JVM start, catalogue load, app import
# the `parley` console script as pyproject.toml declares it ("package.module:function")
SCRIPT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["parley"]
_MODULE, _FUNCTION = SCRIPT.split(":")
PARLEY = [sys.executable, "-c", f"import sys; from {_MODULE} import {_FUNCTION}; sys.exit({_FUNCTION}())"]
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
pytestmark = pytest.mark.slow  # real commands in subprocesses: minutes on 2 cores


def servers_of(graph_root: Path) -> list[int]:
    """Pids of live ArcadeDB servers whose root is ``graph_root`` (read from /proc, not from our files)."""
    wanted = f"-Darcadedb.server.rootPath={graph_root.resolve()}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted in args and pid_alive(int(entry.name)):
            pids.append(int(entry.name))
    return pids


def wait_gone(graph_root: Path, timeout_s: float = 30.0) -> list[int]:
    end = time.monotonic() + timeout_s
    while (left := servers_of(graph_root)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


def starts_logged(graph_root: Path) -> int:
    log = graph_root / "server.log"
    return log.read_text(encoding="utf-8").count("starting graph server") if log.exists() else 0


@dataclass
class Checkout:
    env: dict[str, str]
    ingest: subprocess.CompletedProcess[str]
    ingest_started: int  # graph server starts logged during `parley ingest`
    left_after_ingest: list[int]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    """A checkout's environment on its own state directory, on the default (unset) graph ports,
    with a catalogue of the hand-picked films built by `parley ingest` (run here, checked below)."""
    root = tmp_path_factory.mktemp("lifecycle")
    catalogue = root / "catalogue"
    catalogue.mkdir()
    for name in ("items.csv", "ratings.csv", "facts.csv", "tags.csv"):
        frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        frame[frame["item_id"].astype(int).isin(set(HAND_PICKED))].to_csv(catalogue / name, index=False)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    environment |= OFFLINE | {
        "PARLEY_DATA_DIR": str(catalogue),
        "PARLEY_STATE_DIR": str(root / "state"),
        "PARLEY_LLM": "none",
        "PARLEY_CF_SVD_EPOCHS": "5",
    }
    try:
        ingest = parley(environment, "ingest")
        started = starts_logged(graph_root(environment))
        yield Checkout(environment, ingest, started, wait_gone(graph_root(environment)))
    finally:  # whatever a failed test left behind
        for pid in servers_of(graph_root(environment)):
            os.kill(pid, signal.SIGKILL)


def parley(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEY, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )


def graph_root(env: dict[str, str]) -> Path:
    return Path(env["PARLEY_STATE_DIR"]) / "graph"


def occupy(port: int) -> socket.socket | None:
    """Listen on ``port`` like a local Neo4j would; None when something already does."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


def test_default_ports_are_free_ones_recorded_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("PARLEY_GRAPH_BOLT_PORT", "PARLEY_GRAPH_HTTP_PORT"):
        monkeypatch.delenv(key, raising=False)
    with ExitStack() as held:
        for port in (7687, 2480):  # Neo4j's and ArcadeDB's usual ports: taken, by us or by someone
            sock = occupy(port)
            if sock is not None:
                held.callback(sock.close)
        one = Stores(store_config(Settings(state_dir=tmp_path / "one", data_dir=tmp_path)))
        two = Stores(store_config(Settings(state_dir=tmp_path / "two", data_dir=tmp_path)))
        try:
            first, second = one.start_graph_server(), two.start_graph_server()  # two checkouts
            assert first.is_ready() and second.is_ready()
            assert not {first.bolt_port, first.http_port} & {7687, 2480}
            assert {first.bolt_port, first.http_port}.isdisjoint({second.bolt_port, second.http_port})
            recorded = json.loads((tmp_path / "one" / "graph" / "server.json").read_text())
            assert (recorded["bolt_port"], recorded["http_port"]) == (first.bolt_port, first.http_port)
            again = Stores(store_config(Settings(state_dir=tmp_path / "one", data_dir=tmp_path)))
            reused = again.start_graph_server()  # a later command finds the running server's ports
            assert reused.adopted and reused.pid == first.pid and reused.uri == first.uri
            again.close()
            assert first.is_running()  # an adopter leaves it alone
        finally:
            one.close()
            two.close()
    assert wait_gone(tmp_path / "one" / "graph") == []
    assert wait_gone(tmp_path / "two" / "graph") == []


def test_ingest_doctor_and_chat_stop_the_server_they_started(checkout: Checkout) -> None:
    env, root = checkout.env, graph_root(checkout.env)
    assert checkout.ingest.returncode == 0, checkout.ingest.stderr[-2000:]
    assert checkout.ingest_started == 1
    assert checkout.left_after_ingest == [], "parley ingest left its graph server running"
    for args, stdin in ((("doctor",), ""), (("chat",), "I loved Heat\nquit\n")):
        before = starts_logged(root)
        done = parley(env, *args, stdin=stdin)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert starts_logged(root) == before + 1, f"parley {args[0]} did not start a graph server"
        assert wait_gone(root) == [], f"parley {args[0]} left its graph server running"
    assert "Heat" in done.stdout  # the chat answered before quitting


def test_serve_answers_then_stops_its_server_on_ctrl_c(checkout: Checkout) -> None:
    env, root = checkout.env, graph_root(checkout.env)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [*PARLEY, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while url is None and time.monotonic() < deadline and (line := proc.stdout.readline()):
            if "Parley is serving" in line:
                url = line.split("serving ", 1)[1].split()[0]
        assert url == f"http://127.0.0.1:{port}/"
        for _ in range(100):  # uvicorn binds right after printing the URL
            try:
                with urllib.request.urlopen(url, timeout=10) as page:
                    assert page.status == 200
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"nothing answers at {url}")
        assert servers_of(root), "parley serve runs no graph server"
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert wait_gone(root) == [], "parley serve left its graph server running"


def test_a_started_graph_server_survives_commands_until_graph_stop(checkout: Checkout) -> None:
    env, root = checkout.env, graph_root(checkout.env)
    started = parley(env, "graph", "start")
    assert started.returncode == 0, started.stderr
    pid = int(started.stdout.split("(pid ", 1)[1].split(",")[0])
    assert servers_of(root) == [pid]
    done = parley(env, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert servers_of(root) == [pid]  # the command adopted it and left it running
    stopped = parley(env, "graph", "stop")
    assert "graph server stopped" in stopped.stdout
    assert wait_gone(root) == []
    assert not pid_alive(pid)
    assert "no graph server running" in parley(env, "graph", "stop").stdout  # and started none
    assert servers_of(root) == []
