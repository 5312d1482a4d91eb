"""The studio's side of a narration: starting its parts, a failed part's one retry, and the joined video."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from components.backends.base import Backend
from components.budget import Reservation
from components.errors import NotSaved
from components.job_runner import Bookkeeping, Made, removing, run_new
from components.jobs import Job
from components.media.join import join_videos
from components.narration import Narration, how_to_retry
from components.pricing import Estimate
from components.runs import Run, RunCache, now_iso
from components.settings import Model
from components.storage import DiskBudget
from components.tracker import Tracked, Tracker


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

    def start(self, reservations: list[Reservation | None], session: str | None, workdir: Path) -> Tracked:
        """The parts' files in `workdir` go when the narration ends (its parts and a retry need them until then)."""
        children = [self._run(job, reservation) for job, reservation in zip(self.jobs, reservations, strict=True)]
        return self._track(Narration(children, self._again, self._join), session, workdir)

    def resume(self, run: Run) -> Tracked:
        """Follow a narration the history says is pending: each part by its request id, then the join."""
        children = [self.tracker.of_request(part) or self.follow_again(part) for part in run.parts]
        return self._track(Narration(children, self._again, self._join, first_request_id=run.request_id), None)

    def _track(self, narration: Narration, session: str | None, workdir: Path | None = None) -> Tracked:
        work = narration.events() if workdir is None else removing(workdir, narration.events())
        tracked = self.tracker.start(work, self.model.endpoint, session)
        tracked.children = narration.children
        narration.named = lambda request_id: self.tracker.name_narration(request_id, tracked)
        for child in narration.children:
            if child.request_id:
                self.tracker.name_narration(child.request_id, tracked)
        return tracked

    def _run(self, job: Job, reservation: Reservation | None) -> Tracked:
        books = Bookkeeping(reservation, self.finished_runs, None, self.disk)
        return self.tracker.start(run_new(job, self.backend, self.key, self.pool, books), self.model.endpoint, None)

    def _again(self, index: int, error: BaseException) -> Tracked | None:
        how = how_to_retry(error)
        if how == "follow":
            return self.follow_again(getattr(error, "request_id", ""))
        if how == "again" and self.jobs:
            job = self.jobs[index]
            return self._run(job, self.reserve_again(job.estimate))
        return None

    async def _join(self, made: list[Made], first_request_id: str) -> Made:
        target = self.backend.output_dir / f"narration-{first_request_id}.mp4"
        ids = tuple(part.run.request_id or "" for part in made)
        if not target.is_file():
            try:
                lengths = [job.estimate.seconds for job in self.jobs] or None  # unknown after a restart
                await asyncio.to_thread(join_videos, [part.video for part in made], target, lengths)
            except (OSError, RuntimeError):
                raise NotSaved(
                    "fal made every part, but this server could not join them into one video (parts: "
                    + ", ".join(ids)
                    + ")",
                    first_request_id,
                ) from None
        seconds, cost = sum(part.run.seconds for part in made), sum(part.run.cost for part in made)
        run = Run(
            self.model.endpoint, self.model.label, seconds, cost, first_request_id, target.name, now_iso(), parts=ids
        )
        if self.same_inputs is not None:
            self.finished_runs.put(self.same_inputs, run)
        return Made(run, target, made[0].note)
