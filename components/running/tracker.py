"""Jobs followed by the server itself, so a reload, a closed tab or a lost connection never loses them.

A job's work runs in its own task; pages *listen* to it. When the page that started a job goes
away, the task goes on (fal has the job and may bill it): the video is still fetched, the
ledger settled, and the next page of that visitor — or any page with the request id — picks the
result up. Only Stop cancels.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from components.backends.base import Progress

_KEEP_FINISHED = 500


@dataclass
class Tracked:
    endpoint: str
    request_id: str | None = None
    stage: str = "checking"
    task: asyncio.Task | None = field(default=None, repr=False)
    events: list[Any] = field(default_factory=list, repr=False)
    error: BaseException | None = None
    finished: bool = False
    stopped: Any = None  # what Stop did; pages listening stop listening and say so
    # A narration's parts, each a job of its own (Stop stops each; the list changes when a part is retried).
    children: list[Tracked] = field(default_factory=list, repr=False)
    started: float = field(default_factory=time.monotonic, repr=False)  # for progress and the expected finish
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def push(self, event: Any) -> None:
        if isinstance(event, Progress):
            self.stage = event.stage
            self.request_id = self.request_id or event.request_id
        self.events.append(event)
        self._changed.set()

    def halt(self, outcome: Any) -> None:
        self.stopped = outcome
        self._changed.set()

    def end(self, error: BaseException | None) -> None:
        self.error, self.finished = error, True
        self._changed.set()

    async def listen(self, from_latest: bool = False) -> AsyncIterator[Any]:
        """Every event from the start (or from the latest), then the job's error, if it failed."""
        seen = max(0, len(self.events) - 1) if from_latest else 0
        while self.stopped is None:
            if seen < len(self.events):
                seen += 1
                yield self.events[seen - 1]
                continue
            if self.finished:
                if self.error is not None:
                    raise self.error
                return
            self._changed.clear()
            await self._changed.wait()


class Tracker:
    """The running and recently finished jobs, by the page session that started them and by request id."""

    def __init__(self) -> None:
        self._by_session: dict[str, Tracked] = {}
        self._by_request: OrderedDict[str, Tracked] = OrderedDict()
        # Narrations by each of their parts' request ids (the parts themselves are in `_by_request`).
        self._narrations: OrderedDict[str, Tracked] = OrderedDict()

    def start(
        self, work: AsyncIterator[Any], endpoint: str, session: str | None, request_id: str | None = None
    ) -> Tracked:
        """Run `work` in a task of its own; `request_id` when following a job fal already has."""
        tracked = Tracked(endpoint, request_id=request_id)
        if request_id:
            self._remember(tracked)
        tracked.task = asyncio.get_running_loop().create_task(self._drive(work, tracked))
        if session:
            self._by_session[session] = tracked
        return tracked

    def of_session(self, session: str | None) -> Tracked | None:
        return self._by_session.get(session or "")

    def of_request(self, request_id: str) -> Tracked | None:
        return self._by_request.get(request_id)

    def of_narration(self, request_id: str) -> Tracked | None:
        return self._narrations.get(request_id)

    def name_narration(self, request_id: str, tracked: Tracked) -> None:
        self._narrations[request_id] = tracked
        while len(self._narrations) > _KEEP_FINISHED:
            self._narrations.popitem(last=False)

    async def _drive(self, work: AsyncIterator[Any], tracked: Tracked) -> None:
        error: BaseException | None = None
        try:
            async for event in work:
                tracked.push(event)
                # A narration's first request id is its first part's: the part keeps the name.
                if tracked.request_id and tracked.request_id not in self._by_request and not tracked.children:
                    self._remember(tracked)
        except BaseException as exc:  # handed to every listener; a cancelled task ends the job too
            error = exc
        finally:
            tracked.end(error)

    def _remember(self, tracked: Tracked) -> None:
        self._by_request[tracked.request_id or ""] = tracked
        while len(self._by_request) > _KEEP_FINISHED:
            oldest = next(iter(self._by_request))
            if not self._by_request[oldest].finished:
                break
            self._by_request.popitem(last=False)
