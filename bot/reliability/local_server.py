"""The web app on a free loopback port, served by uvicorn in a background thread of this process."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from tools.errors import ParleyError


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """``app`` (ASGI) at ``url`` until ``stop()``; ``with LocalServer(app) as url: ...``."""

    def __init__(self, app: Any, log_level: str = "error", timeout_s: float = 60.0) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level=log_level)
        )
        self.timeout_s = timeout_s
        self.thread = threading.Thread(target=self.server.run, name="local-server", daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise ParleyError(f"the web app did not start on {self.url} within {self.timeout_s:g} s")
            time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
