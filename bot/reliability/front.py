"""A minimal round-robin HTTP front (ASGI) for the tests and ``scripts/workers.py``: request k goes to
backend k mod n. It reads the whole request body, forwards method, path, query and headers (not
``Host``), and answers with the backend's status, headers and body, buffered (no streaming); a backend
it cannot reach gives ``502`` naming the backend and the error. Not a production load balancer: no
health checks, retries, stickiness or streaming; ``docs/deploy.md`` puts nginx in front for that.
Serve it with ``LocalServer(RoundRobinFront(urls))``."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tools.errors import ConfigurationError

# recomputed or meaningless once the body is buffered and decoded here
DROPPED_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


class RoundRobinFront:
    """ASGI app over ``urls``; ``served`` records the index of the backend each request went to."""

    def __init__(self, urls: list[str], timeout_s: float = 180.0) -> None:
        if not urls:
            raise ConfigurationError("a round-robin front needs at least one backend URL")
        self.urls = [url.rstrip("/") for url in urls]
        self.timeout_s = timeout_s
        self.served: list[int] = []
        self._turn = itertools.count()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:  # created in the serving event loop, on its first request
            # a new connection per request: reusing one the backend just closed (keep-alive timeout) fails
            self._client = httpx.AsyncClient(
                timeout=self.timeout_s,
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=0),
            )
        return self._client

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        n = next(self._turn) % len(self.urls)
        self.served.append(n)
        query = f"?{scope['query_string'].decode()}" if scope.get("query_string") else ""
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.lower() != b"host"]
        target = f"{self.urls[n]}{scope['path']}{query}"
        try:
            reply = await self._http().request(scope["method"], target, content=body, headers=headers)
        except httpx.HTTPError as error:  # the load run counts it as an error
            text = f"bad gateway: backend {self.urls[n]} failed ({type(error).__name__})".encode()
            await _answer(send, 502, [(b"content-type", b"text/plain; charset=utf-8")], text)
            return
        out = [(k.encode(), v.encode()) for k, v in reply.headers.items() if k.lower() not in DROPPED_HEADERS]
        await _answer(send, reply.status_code, out, reply.content)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                    self._client = None
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
