"""A page following a tracked job: the tracker's events as the studio's (working, accepted, done, stopped)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from components.events import Accepted, Done, Working
from components.history.runs import pending_run
from components.running.job_runner import Made

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import Model
    from components.events import Stopped
    from components.history.runs import Run
    from components.running.tracker import Tracked
    from components.spending.pricing import Estimate


async def listen(
    tracked: Tracked,
    model: Model,
    estimate: Estimate | None,
    started: float,
    shown: Callable[[list[str]], None],
    note: str | None = None,
    voice_cost: float | None = None,
    from_latest: bool = False,
    resumed: Run | None = None,
) -> AsyncIterator[Working | Accepted | Done | Stopped]:
    """If the page goes away before fal took the job, the job stops too. Each new request id (a narration
    has one per part) is announced — and `shown` to the payer — so the history keeps them all."""
    announced: tuple[str, ...] = ()
    try:
        async for event in tracked.listen(from_latest):
            elapsed = time.monotonic() - started
            if isinstance(event, Made):
                if event.run.request_id is None:  # a preview: its name is what the payer was shown of it
                    shown([event.run.video.removesuffix(".mp4")])
                said = " ".join(filter(None, [event.note, note])) or None
                yield Done(event.run, event.video, elapsed, said, voice_cost)
                continue
            working = Working(event, model, estimate, elapsed, note)
            pending = pending_run(model, event, estimate, resumed)
            if pending is not None and event.request_ids != announced:
                announced = event.request_ids
                shown([rid for rid in announced if rid])
                yield Accepted(pending, working)
                continue
            yield working
        if tracked.stopped is not None:
            yield tracked.stopped
    finally:
        if tracked.request_id is None and tracked.task is not None:
            tracked.task.cancel()
