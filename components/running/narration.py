"""A narration longer than the model takes: its parts run at fal at the same time, then one video.

Each part is a job of its own in the tracker (its own ledger row, request id and video), so a
reload, a restart or Stop treats it like any job. `Narration` listens to all of them, gives
the page one status line per part, retries a failed part alone (once: a part fal failed is
sent again; a part fal finished but this server lost is fetched again by its request id —
never re-sent), and joins the videos when every part is in. The finished parts are never
paid for again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from components.backends.base import STAGE_ORDER, PartStatus, Progress
from components.errors import GenerationError, NetworkError, NotSaved, RemoteFailure
from components.running.job_runner import Made

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.running.tracker import Tracked

NARRATION_CUT_SHORT = (
    "This narration was still being sent to fal when the app restarted, so some of its parts never reached fal. "
    "Its finished parts are kept at fal (see their request ids in your runs); generate the narration again."
)


@dataclass(frozen=True)
class _Ended:
    error: BaseException | None


def how_to_retry(error: BaseException) -> str | None:
    """ "again": fal failed the job (not charged), so a new one may be sent; "follow": fal has the job
    (and may bill it), so it is only fetched again by its request id; None: retrying cannot help."""
    if isinstance(error, RemoteFailure) and error.refused_by_fal:
        return "again"
    if isinstance(error, (NotSaved, NetworkError)) and error.request_id and not error.refused_by_fal:
        return "follow"
    return None


@dataclass
class Narration:
    """Follows the parts (`children`, one Tracked each, replaced when a part is retried)."""

    children: list[Tracked]
    # A new attempt at part `index` after `error`, or None when it must not be retried.
    again: Callable[[int, BaseException], Tracked | None]
    join: Callable[[list[Made], str], Awaitable[Made]]
    first_request_id: str | None = None  # names the narration (its run, its video) from the first acceptance
    named: Callable[[str], None] | None = None  # told each request id fal gives a part, so pages can find it
    _statuses: list[PartStatus] = field(default_factory=list)

    async def events(self) -> AsyncIterator[Progress | Made]:
        count = len(self.children)
        self._statuses = [PartStatus(number, "waiting") for number in range(1, count + 1)]
        queue: asyncio.Queue = asyncio.Queue()
        listeners = {index: _relay(index, child, queue) for index, child in enumerate(self.children)}
        made: dict[int, Made] = {}
        failed: dict[int, BaseException] = {}
        retried: set[int] = set()
        try:
            while len(made) + len(failed) < count:
                index, event = await queue.get()
                if isinstance(event, _Ended):
                    if index in made:
                        continue
                    retry = None if index in retried else self.again(index, event.error or _no_video(index))
                    if retry is None:
                        failed[index] = event.error or _no_video(index)
                        self._mark(index, "failed")
                    else:
                        retried.add(index)
                        self.children[index] = retry
                        listeners[index] = _relay(index, retry, queue)
                        self._mark(index, "retrying")
                elif isinstance(event, Made):
                    made[index] = event
                    self._mark(index, "done", event.run.request_id)
                else:
                    self._saw(index, event)
                yield self._progress()
            if failed:
                raise self._failure(failed)
            yield await self.join([made[index] for index in range(count)], self.first_request_id or "")
        finally:
            for listener in listeners.values():
                listener.cancel()
            for child in self.children:  # the page left before fal had this part: it stops, like a single job
                if child.request_id is None and child.task is not None:
                    child.task.cancel()

    def _saw(self, index: int, progress: Progress) -> None:
        status = self._statuses[index]
        request_id = progress.request_id or status.request_id
        self.first_request_id = self.first_request_id or request_id
        if request_id and request_id != status.request_id and self.named is not None:
            self.named(request_id)
        self._statuses[index] = PartStatus(status.number, progress.stage, request_id, progress.queue_position)

    def _mark(self, index: int, stage: str, request_id: str | None = None) -> None:
        status = self._statuses[index]
        kept = None if stage == "retrying" else (request_id or status.request_id)
        self._statuses[index] = replace(status, stage=stage, request_id=kept, queue_position=None)

    def _progress(self) -> Progress:
        # The headline stage is the one the slowest part is at.
        running = [status.stage for status in self._statuses if status.stage in STAGE_ORDER[1:]]
        stage = min(running, key=STAGE_ORDER.index) if running else "downloading"
        return Progress(stage, request_id=self.first_request_id, parts=tuple(self._statuses))

    def _failure(self, failed: dict[int, BaseException]) -> GenerationError:
        index, error = next(iter(sorted(failed.items())))
        kept = [status for status in self._statuses if status.stage == "done"]
        kept_text = (
            " Parts kept (not paid again): "
            + ", ".join(f"{status.number} ({status.request_id})" for status in kept)
            + "."
            if kept
            else ""
        )
        # The part's own message already ends with its request id.
        return GenerationError(f"Part {index + 1} of {len(self.children)} failed: {error}.{kept_text}")


def _relay(index: int, child: Tracked, queue: asyncio.Queue) -> asyncio.Task:
    async def relay() -> None:
        try:
            async for event in child.listen():
                await queue.put((index, event))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the part's failure, handed to the narration
            await queue.put((index, _Ended(exc)))
            return
        await queue.put((index, _Ended(None)))

    return asyncio.get_running_loop().create_task(relay())


def _no_video(index: int) -> GenerationError:
    return GenerationError(f"part {index + 1} ended without a video (it was stopped)")
