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


class Backoff:
    """Failed attempts per key (an email at a client address): the first `free` cost nothing, then each further
    failure makes the key wait, doubling from `base_s` up to `cap_s`; a success forgets the key.

    Keyed by address as well as email, a stranger's failures slow only the stranger: the account's owner,
    elsewhere, still logs in, and an unknown email is throttled exactly like a known one (no answer tells
    which accounts exist)."""

    def __init__(self, free: int, base_s: float, cap_s: float) -> None:
        self.free = free
        self.base = base_s
        self.cap = cap_s
        self._keys: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds the key must still wait before its next attempt (0 when it may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            _failures, until = self._keys.get(key, (0, 0.0))
        return max(0.0, until - now)

    def fail(self, key: str, now: float | None = None) -> float:
        """Count a failure; return the wait it imposes (0 while within the free attempts)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._keys.get(key, (0, 0.0))[0] + 1
            over = failures - self.free
            delay = 0.0 if over <= 0 else min(self.cap, self.base * 2 ** (over - 1))
            self._keys[key] = (failures, now + delay)
            if len(self._keys) > 100_000:  # forget keys whose wait is over rather than grow without bound
                for k in [k for k, (_f, until) in self._keys.items() if until <= now][:50_000]:
                    del self._keys[k]
        return delay

    def succeed(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)


def login_backoff(state: Any, free: int, cap_minutes: float) -> Backoff:
    """The application's login back-off (kept on `app.state`), remade when its settings change."""
    current: Backoff | None = getattr(state, "login_backoff", None)
    if current is None or (current.free, current.cap) != (free, cap_minutes * 60):
        current = Backoff(free, 30.0, cap_minutes * 60)
        state.login_backoff = current
    return current
