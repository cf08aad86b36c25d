"""Per-conversation rate limit of the web app (``Settings.rate_limit_per_minute``).

A sliding window of one minute per session id: chat messages and feedback events both count. The JSON
API answers 429 with a ``Retry-After`` header; the Gradio chat answers politely and changes nothing.
Bounded memory: at most ``max_sessions`` windows are kept (the least recently used are dropped).

With several workers the windows must be shared: ``rate_limiter`` returns a ``SharedRateLimiter`` over
the session store when it keeps rate windows (PostgreSQL), else the in-memory one. The same classes
count per client address (``Settings.rate_limit_per_ip_per_minute``, keys ``ip:<address>``)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from typing import Protocol, runtime_checkable

import prompts
from tools.errors import ParleyError

log = logging.getLogger(__name__)

WINDOW_S = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, max_sessions: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_sessions = max_sessions
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, session_id: str, now: float | None = None) -> float | None:
        """Count one request; None when allowed, else the seconds until the next one is allowed."""
        if self.per_minute <= 0:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._windows.get(session_id)
            if window is None:
                window = self._windows[session_id] = deque()
                while len(self._windows) > self.max_sessions:
                    self._windows.popitem(last=False)
            else:
                self._windows.move_to_end(session_id)
            while window and now - window[0] >= WINDOW_S:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(0.1, WINDOW_S - (now - window[0]))
            window.append(now)
            return None

    def message(self, retry_after: float) -> str:
        return prompts.render(
            "rate_limited.j2", per_minute=self.per_minute, wait_s=f"{retry_after:.0f}"
        ).strip()


@runtime_checkable
class SharedRateStore(Protocol):
    def rate_hit(
        self, key: str, per_minute: int, window_s: float = WINDOW_S, now: float | None = None
    ) -> float | None: ...


class SharedRateLimiter(RateLimiter):
    """The same sliding window, kept in the shared database so that every worker counts together.
    When the database does not answer, requests are let through (the turn itself reports it)."""

    def __init__(self, per_minute: int, store: SharedRateStore) -> None:
        super().__init__(per_minute)
        self.store = store

    def hit(self, session_id: str, now: float | None = None) -> float | None:
        if self.per_minute <= 0:
            return None
        try:
            return self.store.rate_hit(session_id, self.per_minute, WINDOW_S, now)
        except ParleyError as error:
            log.warning("shared rate limit unavailable, request let through: %s", type(error).__name__)
            return None


def rate_limiter(per_minute: int, store: object) -> RateLimiter:
    """A limiter shared through ``store`` when it keeps rate windows, else one in this process."""
    if isinstance(store, SharedRateStore):
        return SharedRateLimiter(per_minute, store)
    return RateLimiter(per_minute)
