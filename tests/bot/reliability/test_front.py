"""The round-robin front before two tiny real HTTP backends (stdlib servers on free loopback ports):
requests alternate, method, path, query, headers, bodies and status codes pass through, and a backend
that is not listening gives a 502 that names it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.reliability.front import RoundRobinFront
from bot.reliability.local_server import LocalServer, free_port
from tools.errors import ConfigurationError


def _backend(name: str) -> ThreadingHTTPServer:
    class Echo(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            status = int(self.path.split("/status/")[1].split("?")[0]) if "/status/" in self.path else 200
            reply = json.dumps(
                {
                    "backend": name,
                    "method": self.command,
                    "path": self.path,
                    "body": body.decode(),
                    "probe": self.headers.get("x-probe"),
                    "host": self.headers.get("host"),
                }
            ).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-backend", name)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, name=f"backend-{name}", daemon=True).start()
    return server


@pytest.fixture(scope="module")
def backends() -> Iterator[list[str]]:
    servers = [_backend("a"), _backend("b")]
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_requests_alternate_and_pass_through_bodies_headers_and_status(backends: list[str]) -> None:
    front = RoundRobinFront(backends)
    big = "x" * 300_000  # more than one ASGI body message
    with LocalServer(front) as url, httpx.Client(base_url=url, timeout=30) as http:
        replies = [
            http.post("/api/chat?lang=en", content=b'{"message": "hi"}', headers={"x-probe": "1"}),
            http.get("/status/404"),
            http.post("/status/201", content=big.encode()),
            http.delete("/api/sessions/abc"),
            http.get("/status/500?q=1"),
        ]
    assert [r.json()["backend"] for r in replies] == ["a", "b", "a", "b", "a"]
    assert [r.headers["x-backend"] for r in replies] == ["a", "b", "a", "b", "a"]
    assert front.served == [0, 1, 0, 1, 0]
    assert [r.status_code for r in replies] == [200, 404, 201, 200, 500]
    first = replies[0].json()
    assert first["method"] == "POST" and first["path"] == "/api/chat?lang=en"
    assert first["body"] == '{"message": "hi"}' and first["probe"] == "1"
    assert first["host"] == backends[0].removeprefix("http://")  # Host is the backend's, not the front's
    assert replies[2].json()["body"] == big
    assert replies[3].json()["method"] == "DELETE" and replies[4].json()["path"] == "/status/500?q=1"
    for reply in replies:
        assert int(reply.headers["content-length"]) == len(reply.content)


def test_a_dead_backend_gives_a_502_naming_it_and_the_live_one_still_answers(backends: list[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    front = RoundRobinFront([backends[0], dead])
    with LocalServer(front) as url, httpx.Client(base_url=url, timeout=30) as http:
        replies = [http.post("/api/chat", content=b"{}") for _ in range(4)]
    assert [r.status_code for r in replies] == [200, 502, 200, 502]
    assert replies[0].json()["backend"] == "a"
    assert replies[1].text == f"bad gateway: backend {dead} failed (ConnectError)"
    assert replies[1].headers["content-type"].startswith("text/plain")


def test_a_front_needs_a_backend() -> None:
    with pytest.raises(ConfigurationError, match="at least one backend"):
        RoundRobinFront([])
