"""How much free work one visitor may start per minute: uploads, local previews, offline voices.

Free work spends the owner's disk and CPU, not money, so the budget's ledger does not see it; this
does. One sliding window per visitor, in memory (a restart forgets it, which only forgives). Every
path that starts free work takes from the same limiter: the page, the API, MCP and raw uploads.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from components.errors import StudioError

WINDOW_SECONDS = 60.0


class FreeWorkLimited(StudioError):
    """A visitor started more free work in the last minute than the owner allows."""


class FreeWork:
    """A sliding one-minute window of free actions per visitor id; refusals are not counted."""

    def __init__(self, per_minute: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute  # None: no limit (a studio built without settings, in tests)
        self._clock = clock
        self._started: dict[str, deque[float]] = {}
        self._forgotten_at = clock()
        self._lock = threading.Lock()  # taken from the event loop and from upload requests alike

    def take(self, visitor_id: str) -> None:
        """Count one free action for `visitor_id`, or raise FreeWorkLimited (nothing counted, nothing done)."""
        if self.per_minute is None:
            return
        now = self._clock()
        with self._lock:
            if now - self._forgotten_at > WINDOW_SECONDS:
                self._forget_before(now - WINDOW_SECONDS)
            started = self._started.setdefault(visitor_id, deque())
            while started and started[0] <= now - WINDOW_SECONDS:
                started.popleft()
            if len(started) >= self.per_minute:
                raise FreeWorkLimited(self._refusal(started[0] + WINDOW_SECONDS - now))
            started.append(now)

    def _forget_before(self, cutoff: float) -> None:
        """Once a minute: drop visitors with no recent action, so memory follows the last minutes' visitors only."""
        self._forgotten_at = cutoff + WINDOW_SECONDS
        for visitor_id in list(self._started):
            started = self._started[visitor_id]
            while started and started[0] <= cutoff:
                started.popleft()
            if not started:
                del self._started[visitor_id]

    def _refusal(self, wait: float) -> str:
        return (
            f"This app allows each visitor {self.per_minute} free actions a minute (uploads, local previews and "
            f"offline voices together), and you have reached that. Nothing was done this time; wait about "
            f"{max(1, math.ceil(wait))} s and try again."
        )
