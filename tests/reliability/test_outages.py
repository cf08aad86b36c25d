"""Outages with real servers killed by PID: the graph server mid-session (Parley restarts it), the LLM
server down, slow or talking garbage, Chroma or the CF models missing or corrupt at start, and the app
itself SIGKILLed during a turn (nothing acknowledged is lost)."""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.llm.openai_compat import OpenAICompatible
from bot.recommender import Recommender
from bot.reliability.local_server import free_port
from bot.session_store import SqliteSessionStore
from bot.settings import Settings
from bot.types import Reply
from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.graph import EmbeddedGraphServer
from retrieval.vectors import VectorStore
from tests.fixtures.graph import TEST_DATABASE
from tests.reliability.served_state import DATA, ServedState, ServeProcess, build_state
from tools.engine import Toolbox
from tools.errors import StoreUnavailableError
from tools.stores import StoreConfig, Stores

HEAT, COLLATERAL, INSIDER, ALIEN = 6, 8798, 3006, 1214
pytestmark = pytest.mark.slow  # real processes killed and restarted: minutes


# -- the graph server killed mid-session ------------------------------------------------------------
@pytest.fixture
def own_graph_stores(
    tmp_path: Path, small_catalogue: Catalogue, cf_models: CFModels, vector_store: VectorStore
) -> Iterator[Stores]:
    """Stores whose graph is an embedded server of their own (not the session's shared one)."""
    config = StoreConfig(
        data_dir=tmp_path,
        state_dir=tmp_path,
        graph_bolt_port=0,
        graph_http_port=0,
        graph_heap_mb=512,
        graph_start_timeout_s=240,
        graph_query_timeout_s=5,
    )
    stores = Stores(config)
    stores._vectors = vector_store
    stores._cf = cf_models
    stores._catalogue = small_catalogue
    try:
        stores.graph().load(small_catalogue)
        yield stores
    finally:
        stores.close(stop_server=True)


def _kg_reasons(reply: Reply) -> int:
    return sum(1 for r in reply.recommendations for reason in r.reasons if reason.source == "kg")


def test_graph_killed_mid_session_degrades_then_recovers(own_graph_stores: Stores, tmp_path: Path) -> None:
    stores = own_graph_stores
    rec = Recommender(Toolbox(stores), None, SqliteSessionStore(tmp_path / "sessions.sqlite3"))
    session = rec.new_session()
    first = session.respond("I loved Heat")
    assert first.recommendations and not first.degraded and _kg_reasons(first)

    server = stores.server
    if server is None or server.pid is None:
        pytest.fail("the stores did not start their own graph server")
    old_pid = server.pid
    os.kill(old_pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)

    started = time.perf_counter()
    second = session.respond("something like Collateral")
    assert time.perf_counter() - started < 30
    assert second.recommendations, second.text
    assert "kg" in second.degraded
    assert "unavailable" in second.text and "knowledge graph" in second.text
    assert {r.reasons[0].source for r in second.recommendations} <= {"cf", "vector"}

    deadline = time.monotonic() + 240  # Parley restarts the embedded server in the background
    while not (server.is_running() and server.is_ready(timeout_s=2)):
        if time.monotonic() > deadline:
            pytest.fail("the graph server was not restarted")
        time.sleep(0.5)
    assert server.pid != old_pid

    third = session.respond("I also loved The Insider")
    assert INSIDER in third.profile.liked_items
    assert not {"kg", "explain"} & set(third.degraded), third.degraded
    assert third.recommendations and _kg_reasons(third)
    assert "unavailable" not in third.text


# -- the LLM server down, slow, or answering garbage ----------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "garbage"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.mode == "slow":
            time.sleep(3)
        body = b"<html>\x00\xff not json at all" if self.mode == "garbage" else b'{"choices": []}'
        try:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def llm_server() -> Iterator[Callable[[str], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(mode: str) -> str:
        handler = type("Handler", (_Handler,), {"mode": mode})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
def test_llm_outage_falls_back_to_the_template_writer_and_logs_once(
    mode: str,
    llm_server: Callable[[str], str],
    make_recommender: Callable[..., Recommender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1" if mode == "down" else llm_server(mode)
    llm = OpenAICompatible(url, timeout_s=1.0, supports_tools=False)
    rec = make_recommender(llm)
    session = rec.new_session()
    caplog.set_level(logging.WARNING)
    for message in ["I loved Heat", "something like Collateral", "another one"]:
        started = time.perf_counter()
        reply = session.respond(message)
        assert time.perf_counter() - started < 15, "the per-call timeout did not hold"
        assert reply.recommendations and reply.writer == "template"
        assert reply.recommendations[0].title in reply.text
    about_llm = [r for r in caplog.records if "LLM" in r.getMessage() or "language model" in r.getMessage()]
    assert len(about_llm) == 1, [r.getMessage() for r in about_llm]


# -- Chroma or the CF models missing or corrupt at start ------------------------------------------
@pytest.fixture(scope="module")
def prepared_state(
    tmp_path_factory: pytest.TempPathFactory,
    small_catalogue: Catalogue,
    cf_models: CFModels,
    graph_server: EmbeddedGraphServer,
    graph_store: object,
) -> ServedState:
    return build_state(
        tmp_path_factory.mktemp("served"), small_catalogue, cf_models, graph_server, TEST_DATABASE
    )


def _corrupt(path: Path) -> None:
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        file.write_bytes(b"\x00garbage\xff" * 64)


@pytest.mark.parametrize("case", ["chroma missing", "chroma corrupt", "cf missing", "cf corrupt"])
def test_missing_or_corrupt_store_at_start_names_parley_ingest(
    case: str, prepared_state: ServedState, tmp_path: Path
) -> None:
    import shutil

    state = tmp_path / "state"
    shutil.copytree(prepared_state.state_dir, state)
    store, problem = case.split()
    target = state / store
    if problem == "missing":
        shutil.rmtree(target)
    else:
        _corrupt(target)
    settings = Settings(
        data_dir=prepared_state.data_dir,
        state_dir=state,
        llm="none",
        neo4j_uri=prepared_state.env["PARLEY_NEO4J_URI"],
        neo4j_password=prepared_state.password,  # type: ignore[arg-type]
        neo4j_database=TEST_DATABASE,
    )
    with pytest.raises(StoreUnavailableError) as raised:
        Recommender.from_settings(settings)
    assert "parley ingest" in str(raised.value)
    if case == "cf corrupt":  # the command line prints the message, not a stack trace
        done = prepared_state.run("chat", PARLEY_STATE_DIR=str(state))
        assert done.returncode == 2
        assert "parley ingest" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout


# -- the app SIGKILLed during a turn ---------------------------------------------------------------
def test_sigkill_during_a_turn_loses_nothing_acknowledged(
    prepared_state: ServedState, tmp_path: Path
) -> None:
    app = ServeProcess(prepared_state, tmp_path / "serve.log")
    app.start()
    acknowledged: list[str] = []
    feedback: list[tuple[int, str]] = []
    try:
        with httpx.Client(base_url=app.url, timeout=60) as client:
            first = client.post("/api/chat", json={"message": "I loved Heat"})
            assert first.status_code == 200, first.text
            sid = first.json()["session_id"]
            acknowledged.append("I loved Heat")
            for item_id, kind in [(COLLATERAL, "like"), (ALIEN, "dislike")]:
                response = client.post(
                    "/api/feedback", json={"session_id": sid, "item_id": item_id, "kind": kind}
                )
                assert response.status_code == 200, response.text
                feedback.append((item_id, kind))
            second = client.post("/api/chat", json={"session_id": sid, "message": "something darker"})
            assert second.status_code == 200
            acknowledged.append("something darker")

            def in_flight() -> None:
                with contextlib.suppress(httpx.HTTPError):  # the server dies under it: not acknowledged
                    client.post("/api/chat", json={"session_id": sid, "message": "another one please"})

            thread = threading.Thread(target=in_flight)
            thread.start()
            time.sleep(0.05)
            app.kill()
            thread.join(30)
    finally:
        app.kill()

    restarted = ServeProcess(prepared_state, tmp_path / "serve2.log")
    restarted.start()
    try:
        with httpx.Client(base_url=restarted.url, timeout=60) as client:
            again = client.post("/api/chat", json={"session_id": sid, "message": "what else?"})
            assert again.status_code == 200, again.text
            profile = again.json()["profile"]
            assert HEAT in profile["liked_items"] and COLLATERAL in profile["liked_items"]
            assert ALIEN in profile["disliked_items"]
    finally:
        restarted.stop()
    db = sqlite3.connect(prepared_state.state_dir / "sessions.sqlite3")
    try:
        users = [
            t
            for (t,) in db.execute(
                "SELECT text FROM messages WHERE session_id = ? AND role = 'user' ORDER BY seq", (sid,)
            )
        ]
        events = db.execute(
            "SELECT item_id, kind FROM feedback WHERE session_id = ? ORDER BY rowid", (sid,)
        ).fetchall()
    finally:
        db.close()
    assert users[: len(acknowledged)] == acknowledged
    assert [(int(i), str(k)) for i, k in events] == feedback
    for log in ("serve.log", "serve2.log"):
        assert prepared_state.password not in (tmp_path / log).read_text(errors="replace")
    assert json.dumps(profile)  # the resumed profile is plain data
    assert DATA.exists()
