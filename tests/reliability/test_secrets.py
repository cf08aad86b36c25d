"""Secrets and exposure: the graph password is never printed, logged or shown; everything listens on
loopback by default; no documentation or debug endpoints are served."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.doctor import run_doctor
from bot.recommender import Recommender
from bot.settings import Settings, store_config
from cli.main import build_parser
from retrieval.graph import EmbeddedGraphServer, GraphStore
from tests.fixtures.graph import TEST_DATABASE
from tools.stores import Stores

SECRET = "hunter2-very-secret-graph-password"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on ``port``."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_settings_never_show_the_password() -> None:
    settings = Settings(neo4j_password=SECRET, openai_api_key=SECRET)  # type: ignore[arg-type]
    for text in (repr(settings), str(settings), settings.model_dump_json(), repr(store_config(settings))):
        assert SECRET not in text
    assert settings.neo4j_password is not None and settings.neo4j_password.get_secret_value() == SECRET


@pytest.mark.slow  # the whole doctor, twice
def test_doctor_never_prints_the_password(
    graph_server: EmbeddedGraphServer,
    graph_store: GraphStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for password in (graph_server.password, SECRET):  # the right one, then a wrong one (an error path)
        settings = Settings(
            state_dir=tmp_path,
            neo4j_uri=graph_server.uri,
            neo4j_user=graph_server.user,
            neo4j_password=password,  # type: ignore[arg-type]
            neo4j_database=TEST_DATABASE,
        )
        run_doctor(Stores(store_config(settings)))
        out = capsys.readouterr()
        assert password not in out.out + out.err
        assert "graph" in out.out


def test_turns_and_driver_logs_never_contain_the_password(
    graph_server: EmbeddedGraphServer, recommender: Recommender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with GraphStore(graph_server.uri, graph_server.user, graph_server.password, TEST_DATABASE) as store:
        store.ping()
        assert graph_server.password not in repr(store)
    recommender.new_session().respond("I loved Heat")
    assert caplog.records
    assert graph_server.password not in caplog.text
    assert graph_server.password not in graph_server.log_file.read_text(errors="replace")
    assert graph_server.password not in repr(graph_server)


def test_the_embedded_graph_server_listens_on_loopback_only(graph_server: EmbeddedGraphServer) -> None:
    # 127.0.0.1, ::1, ::ffff:127.0.0.1 (as /proc/net/tcp* writes them)
    loopback = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
    for port in (graph_server.bolt_port, graph_server.http_port):
        addresses = _listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)
    mode = (graph_server.password_file.stat().st_mode) & 0o777
    assert mode == 0o600


def test_the_app_binds_to_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARLEY_SERVE_HOST", raising=False)
    monkeypatch.delenv("PARLEY_CONFIG_FILE", raising=False)
    assert Settings(_env_file=None).serve_host == "127.0.0.1"  # type: ignore[call-arg]
    assert build_parser().parse_args(["serve"]).host is None  # None = the setting


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/redoc",
        "/openapi.json",
        "/embed/openapi.json",
        "/embed/docs",
        "/api/docs",
        "/api/redoc",
        "/api/openapi.json",
        "/debug",
        "/api/debug",
    ],
)
def test_no_documentation_or_debug_endpoints(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {404, 405}, (path, response.status_code, response.text[:200])


def test_the_pages_themselves_are_still_served(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/embed/").status_code == 200
    assert client.get("/healthz").json() == {"ok": True}
