"""Per-conversation rate limit of the web app (``Settings.rate_limit_per_minute``).

A sliding window of one minute per session id: chat messages and feedback events both count. The JSON
API answers 429 with a ``Retry-After`` header; the Gradio chat answers politely and changes nothing.
Bounded memory: at most ``max_sessions`` windows are kept (the least recently used are dropped)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

import prompts

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
