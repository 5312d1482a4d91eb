"""The work of one job, run inside the tracker's task (not inside the page's request).

`run_new` takes a checked Job through its backend: waiting for a pool slot, the ledger's
reservation (accepted → settled, or released only if the job never reached fal), the
re-use cache and the disk's sweep. `follow_accepted` does the same for a job fal already
has (after a reload or a restart): it never submits anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from components.backends.base import Progress
from components.events import Reused
from components.history.runs import Run

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend, Finished
    from components.config.settings import Jobs, Model
    from components.history.runs import RunCache
    from components.history.storage import DiskBudget
    from components.inputs.jobs import Job
    from components.spending.budget import Reservation


@dataclass(frozen=True)
class Made:
    """The job's last event: its run record and where its video is."""

    run: Run
    video: Path
    note: str | None


@dataclass(frozen=True)
class Bookkeeping:
    """What the work needs besides the backend: the ledger row, the re-use cache, the disk policy."""

    reservation: Reservation | None
    finished_runs: RunCache
    same_inputs: str | None
    disk: DiskBudget


def make_pools(jobs: Jobs) -> dict[str, asyncio.Semaphore]:
    """Separate pools, so free previews never starve paying jobs, nor visitors' keys the owner's."""
    return {
        "owner": asyncio.Semaphore(jobs.max_concurrent_owner),
        "visitor": asyncio.Semaphore(jobs.max_concurrent),
        "free": asyncio.Semaphore(jobs.max_concurrent_previews),  # local renders (CPU-bound)
        "decodes": asyncio.Semaphore(jobs.max_decodes_at_once),
    }


async def run_new(
    job: Job, backend: Backend, key: str | None, pool: asyncio.Semaphore, books: Bookkeeping
) -> AsyncIterator[Progress | Made]:
    if pool.locked():
        yield Progress("waiting")
    async with pool, contextlib.aclosing(_booked(backend.run(job, key), job.model, backend, books)) as events:
        async for event in events:
            yield event


async def removing(workdir: Path, work: AsyncIterator[Progress | Made]) -> AsyncIterator[Progress | Made]:
    """The job's files go when its work ends, however it ends (the page may have left long before)."""
    try:
        async with contextlib.aclosing(work) as events:
            async for event in events:
                yield event
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def follow_accepted(
    model: Model, request_id: str, backend: Backend, key: str | None, books: Bookkeeping
) -> AsyncIterator[Progress | Made]:
    yield Progress("queued", request_id=request_id)
    work = backend.follow(model.endpoint, request_id, key, model.price_per_second)
    async with contextlib.aclosing(_booked(work, model, backend, books)) as events:
        async for event in events:
            yield event


async def _booked(
    work: AsyncIterator[Progress | Finished], model: Model, backend: Backend, books: Bookkeeping
) -> AsyncIterator[Progress | Made]:
    finished: Finished | None = None
    error: BaseException | None = None
    try:
        async for event in work:
            if isinstance(event, Progress):
                if books.reservation is not None:
                    books.reservation.saw(event)
                yield event
                continue
            finished = event
            if books.reservation is not None:
                books.reservation.finished(event)
            run = Run.made_by(model, event)
            if books.same_inputs is not None:
                books.finished_runs.put(books.same_inputs, run)
            await asyncio.to_thread(books.disk.sweep)  # keeps the disk bounded as it fills
            yield Made(run, event.video, event.note)
    except BaseException as exc:
        error = exc
        raise
    finally:
        if books.reservation is not None and finished is None:
            books.reservation.ended_without_video(error)


def earlier_run(finished_runs: RunCache, backends: Mapping[str, Backend], same_inputs: str) -> Reused | None:
    """The finished run with these exact inputs and payer, if its video is still on disk."""
    run = finished_runs.get(same_inputs)
    backend = backends.get(run.endpoint) if run is not None else None
    if backend is None or not (backend.output_dir / run.video).is_file():
        return None
    return Reused(run, backend.output_dir / run.video)
