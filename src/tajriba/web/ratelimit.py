"""In-process sliding-window rate limiter (per key, e.g. client IP)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float:
        """Record one attempt; return 0 if allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
                for k in [k for k, v in self._hits.items() if not v][:50_000]:
                    del self._hits[k]
            return 0.0


def per_minute(state: Any, name: str, limit: int) -> RateLimiter:
    """The application's limiter called `name` (one per app, kept on `app.state`), remade when the limit changes."""
    current: RateLimiter | None = getattr(state, name, None)
    if current is None or current.limit != limit:
        current = RateLimiter(limit, 60.0)
        setattr(state, name, current)
    return current
