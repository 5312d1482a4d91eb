"""Starting, following again and stopping the jobs the tracker runs — one job, or a narration's parts."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from components.backends.base import STAGE_ORDER
from components.errors import InputRejected
from components.events import Stopped
from components.running.job_runner import Bookkeeping, follow_accepted, removing, run_new
from components.running.narration import NARRATION_CUT_SHORT
from components.running.narration_parts import NarrationParts
from components.spending.budget import Reservation
from components.spending.narration_ledger import NarrationLedger

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.settings import Model, Settings
    from components.history.runs import Run, RunCache
    from components.history.storage import DiskBudget
    from components.inputs.jobs import Job
    from components.running.tracker import Tracked, Tracker
    from components.spending.budget import Caps
    from components.spending.identity import Visitor
    from components.spending.ledger import Ledger
    from components.spending.narration_ledger import NarrationRecord
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class JobControl:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    ledger: Ledger = field(repr=False)
    finished_runs: RunCache = field(repr=False)
    tracker: Tracker = field(repr=False)
    caps: Caps = field(repr=False)
    pools: dict[str, asyncio.Semaphore] = field(repr=False)
    disk: DiskBudget = field(repr=False)

    def start(
        self,
        job: Job,
        key: str | None,
        visitor: Visitor,
        same_inputs: str | None,
        reservations: list[Reservation | None],
        session: str | None,
        workdir: Path,
    ) -> Tracked:
        """The job's work in a task of its own: one job, or a narration's parts and their join."""
        backend = self.backends[job.endpoint]
        owner = backend.paid and key is None
        pool = self.pools["owner" if owner else "visitor" if backend.paid else "free"]
        if len(reservations) == 1:
            books = Bookkeeping(reservations[0], self.finished_runs, same_inputs, self.disk)
            work = run_new(job, backend, key, pool, books)
            return self.tracker.start(removing(workdir, work), job.endpoint, session)
        parts = self._parts(job.model, key, same_inputs, job.parts(), visitor if owner else None, pool)
        return parts.start(reservations, session, workdir)

    def tracked_again(self, run: Run, key: str | None) -> Tracked:
        """The job a pending history entry names: still tracked here, or followed again at fal."""
        model = self.settings.model(run.endpoint)
        if not run.parts:
            found = self.tracker.of_request(run.request_id or "")
            return found or self.follow_again(model, run.request_id or "", key)
        if not all(run.parts):
            raise InputRejected(NARRATION_CUT_SHORT)
        found = self.tracker.of_narration(run.request_id or "")
        if found is not None:
            return found
        record = NarrationLedger(self.ledger).of_request(run.request_id or "")
        group = record.first_row if record is not None else None
        return self._parts(model, key, None, (), None, record=record).resume(run.request_id or "", run.parts, group)

    def follow_again(self, model: Model, request_id: str, key: str | None) -> Tracked:
        backend = self.backends[model.endpoint]
        if key is None and not self.ledger.holds(request_id):
            raise InputRejected(
                f"Job {request_id} ran on your own fal key and the app restarted since: paste the key into "
                "“Your fal key” and press Recover (it is free; nothing is generated again)."
            )
        row = None if key else self.ledger.row_of(request_id)
        reservation = Reservation(self.ledger, row, request_id=request_id) if row is not None else None
        books = Bookkeeping(reservation, self.finished_runs, None, self.disk)
        work = follow_accepted(model, request_id, backend, key, books)
        return self.tracker.start(work, model.endpoint, None, request_id)

    def resume_owner_jobs(self) -> int:
        """At start-up: follow every owner-key job that was running when the app stopped. A narration's
        parts are followed together and joined; one cut short (a part never reached fal) is followed part by part."""
        jobs = self.ledger.open_jobs()
        for row, endpoint, _request_id in jobs:
            if endpoint in self.backends:
                self.ledger.follow(row)  # this process follows it now: it counts as running until it ends
        together = set()
        for record in NarrationLedger(self.ledger).unfinished():
            if record.whole and record.endpoint in self.backends:
                together.update(record.parts)
                self._resume_narration(record)
        for _row, endpoint, request_id in jobs:
            if request_id not in together and self.tracker.of_request(request_id) is None and endpoint in self.backends:
                self.follow_again(self.settings.model(endpoint), request_id, None)
        return len(jobs)

    def _resume_narration(self, record: NarrationRecord) -> Tracked:
        found = self.tracker.of_narration(record.narration_id)
        if found is not None:
            return found
        parts = self._parts(self.settings.model(record.endpoint), None, None, (), None, record=record)
        return parts.resume(record.narration_id, record.parts, record.first_row)

    async def stop(self, session: str | None, key: str | None) -> Stopped:
        """A narration stops every part still running; the message fits the part that had got furthest."""
        return await self.stop_tracked(self.tracker.of_session(session), key)

    async def stop_tracked(self, tracked: Tracked | None, key: str | None) -> Stopped:
        if tracked is None or tracked.finished or tracked.stopped is not None:
            return Stopped("finished", None)
        stopped = [await self._stop_one(part, key) for part in tracked.children or [tracked]]
        running = [outcome for outcome in stopped if outcome.stage != "finished"] or stopped
        outcome = max(running, key=_how_far)
        tracked.halt(outcome)
        return outcome

    async def _stop_one(self, tracked: Tracked, key: str | None) -> Stopped:
        if tracked.finished:
            return Stopped("finished", tracked.request_id)
        outcome = Stopped(tracked.stage, tracked.request_id)
        if outcome.request_id is None and tracked.task is not None:
            tracked.task.cancel()
        elif outcome.request_id is not None and outcome.stage != "downloading":  # once fal is done, nothing to stop
            await self.backends[tracked.endpoint].cancel(tracked.endpoint, outcome.request_id, key)
        tracked.halt(outcome)
        return outcome

    def _parts(
        self,
        model: Model,
        key: str | None,
        same_inputs: str | None,
        jobs: tuple[Job, ...],
        payer: Visitor | None,
        pool: asyncio.Semaphore | None = None,
        record: NarrationRecord | None = None,
    ) -> NarrationParts:
        """A narration's parts; a retried part is reserved on `payer`'s allowance (None: not the owner's key)."""

        def reserve_again(estimate: Estimate) -> Reservation | None:
            if payer is None:
                return None
            return self.caps.reserve_again(self.ledger, payer.id, model.endpoint, estimate)

        return NarrationParts(
            self.tracker,
            self.backends[model.endpoint],
            model,
            key,
            pool or self.pools["owner" if key is None else "visitor"],
            self.disk,
            self.finished_runs,
            same_inputs,
            reserve_again,
            lambda request_id: self.follow_again(model, request_id, key),
            jobs,
            book=NarrationLedger(self.ledger),
            lengths=record.lengths if record is not None else (),
        )


def _how_far(outcome: Stopped) -> tuple[bool, int]:
    return (outcome.request_id is not None, STAGE_ORDER.index(outcome.stage) if outcome.stage in STAGE_ORDER else 0)
