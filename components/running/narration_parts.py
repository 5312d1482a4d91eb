"""The studio's side of a narration: starting its parts, a failed part's one retry, and the joined video."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import NotSaved
from components.history.runs import Run, now_iso
from components.running.job_runner import Bookkeeping, Made, removing, run_new
from components.running.join import join_videos
from components.running.narration import Narration, how_to_retry

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.settings import Model
    from components.history.runs import RunCache
    from components.history.storage import DiskBudget
    from components.inputs.jobs import Job
    from components.running.tracker import Tracked, Tracker
    from components.spending.budget import Reservation
    from components.spending.narration_ledger import NarrationLedger
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class NarrationParts:
    tracker: Tracker = field(repr=False)
    backend: Backend = field(repr=False)
    model: Model
    key: str | None = field(repr=False)
    pool: asyncio.Semaphore = field(repr=False)
    disk: DiskBudget = field(repr=False)
    finished_runs: RunCache = field(repr=False)
    same_inputs: str | None
    # A retried part's own ledger row (None off the owner's key); raises BudgetExceeded when the caps say no.
    reserve_again: Callable[[Estimate], Reservation | None] = field(repr=False)
    # Follow a part fal accepted, by its request id (nothing is sent again).
    follow_again: Callable[[str], Tracked] = field(repr=False)
    # The parts' checked jobs; empty when following a narration after a restart (its files are gone).
    jobs: tuple[Job, ...] = ()
    # The owner's ledger, told which rows are this narration's parts (None: nothing to tell).
    book: NarrationLedger | None = field(default=None, repr=False)
    lengths: tuple[float, ...] = ()  # the parts' audio lengths, when there are no jobs (from the ledger)

    def start(self, reservations: list[Reservation | None], session: str | None, workdir: Path) -> Tracked:
        """The parts' files in `workdir` go when the narration ends (its parts and a retry need them until then)."""
        group = self._tie(reservations)
        children = [self._run(job, reservation) for job, reservation in zip(self.jobs, reservations, strict=True)]
        narration = Narration(children, partial(self._again, group), self._join)
        return self._track(narration, session, group, workdir)

    def resume(self, narration_id: str, parts: tuple[str, ...], group: int | None = None) -> Tracked:
        """Follow a narration fal has every part of (after a reload or a restart): each part by its request id,
        then the join. `group`: its row in the ledger, when the ledger holds it."""
        children = [self.tracker.of_request(part) or self.follow_again(part) for part in parts]
        narration = Narration(children, partial(self._again, group), self._join, first_request_id=narration_id)
        return self._track(narration, None, group)

    def _tie(self, reservations: list[Reservation | None]) -> int | None:
        """On the owner's key, the ledger learns which rows are this narration's parts before any is uploaded."""
        rows = [reservation.row for reservation in reservations if reservation is not None]
        if self.book is None or not rows or len(rows) != len(reservations):
            return None
        return self.book.tie(rows, [job.estimate.seconds for job in self.jobs])

    def _track(
        self, narration: Narration, session: str | None, group: int | None, workdir: Path | None = None
    ) -> Tracked:
        work = narration.events() if workdir is None else removing(workdir, narration.events())
        tracked = self.tracker.start(work, self.model.endpoint, session)
        tracked.children = narration.children

        def named(request_id: str) -> None:
            self.tracker.name_narration(request_id, tracked)
            if group is not None and self.book is not None and request_id == narration.first_request_id:
                self.book.name(group, request_id)  # written before any page hears the name

        narration.named = named
        known = [child.request_id for child in narration.children] + [narration.first_request_id]
        for request_id in filter(None, known):
            self.tracker.name_narration(request_id, tracked)
        return tracked

    def _run(self, job: Job, reservation: Reservation | None) -> Tracked:
        books = Bookkeeping(reservation, self.finished_runs, None, self.disk)
        return self.tracker.start(run_new(job, self.backend, self.key, self.pool, books), self.model.endpoint, None)

    def _again(self, group: int | None, index: int, error: BaseException) -> Tracked | None:
        how = how_to_retry(error)
        if how == "follow":
            return self.follow_again(getattr(error, "request_id", ""))
        if how == "again" and self.jobs:
            job = self.jobs[index]
            reservation = self.reserve_again(job.estimate)
            if reservation is not None and group is not None and self.book is not None:
                self.book.retried(group, index, reservation.row, job.estimate.seconds)
            return self._run(job, reservation)
        return None

    async def _join(self, made: list[Made], first_request_id: str) -> Made:
        ids = tuple(part.run.request_id or "" for part in made)
        # The parts' audio lengths: from the checked jobs, or from the ledger after a restart.
        lengths = [job.estimate.seconds for job in self.jobs] or list(self.lengths)
        videos = [part.video for part in made]
        target = await join_parts(self.backend.output_dir, first_request_id, videos, lengths, ids)
        seconds, cost = sum(part.run.seconds for part in made), sum(part.run.cost for part in made)
        run = Run(
            self.model.endpoint, self.model.label, seconds, cost, first_request_id, target.name, now_iso(), parts=ids
        )
        if self.same_inputs is not None:
            self.finished_runs.put(self.same_inputs, run)
        return Made(run, target, made[0].note)


def joined_path(folder: Path, narration_id: str) -> Path:
    """Where a narration's joined video is kept: one name, so the page, a restart and Recover find it."""
    return folder / f"narration-{narration_id}.mp4"


async def join_parts(
    folder: Path, narration_id: str, videos: list[Path], lengths: list[float], ids: tuple[str, ...]
) -> Path:
    """The parts' videos as one (one already joined is kept). No `lengths`: each part's video is used whole."""
    target = joined_path(folder, narration_id)
    if target.is_file():
        return target
    try:
        known = lengths if len(lengths) == len(videos) else None
        await asyncio.to_thread(join_videos, videos, target, known)
    except (OSError, RuntimeError):
        raise NotSaved(
            "fal made every part, but this server could not join them into one video (parts: " + ", ".join(ids) + ")",
            narration_id,
        ) from None
    return target
