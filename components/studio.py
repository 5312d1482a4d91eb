"""The studio's rules for a job, in one place and free of any UI.

`Studio` owns the key policy, the quote, the owner's budget (caps checked in the
ledger before anything is uploaded), the concurrency pools, the re-use of
finished runs (only for the same payer), the work folder and the `Run` records.
Its `generate` is an async stream of plain events (checking → the backend's
progress → done or re-used); a failure is raised as a `StudioError`, whose
message is the sentence the visitor sees. The web layer only translates.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.backends.base import Backend
from components.budget import LOGIN_REQUIRED, Caps, Reservation
from components.errors import InputRejected
from components.events import Accepted, Allowance, Checking, Done, Event, Stopped, Working
from components.identity import Visitor, payer_of
from components.job_runner import Bookkeeping, Made, earlier_run, follow_accepted, make_pools, run_new
from components.jobs import prepare_job
from components.ledger import Ledger
from components.library import Library
from components.preflight import Preflight
from components.pricing import Estimate
from components.runs import Run, RunCache, fingerprint, from_entry
from components.settings import Model, Settings
from components.tracker import Tracked, Tracker
from components.voices import Voices


@dataclass(frozen=True)
class Studio:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    ledger: Ledger = field(repr=False)
    # Identical inputs from the same payer re-use a finished video instead of paying twice.
    finished_runs: RunCache = field(default_factory=RunCache, repr=False)
    login_offered: bool = False
    # Jobs run in tasks of their own, followed by pages, so a reload never loses one.
    tracker: Tracker = field(default_factory=Tracker, repr=False)
    _caps: Caps = field(init=False, repr=False)
    _pools: dict[str, asyncio.Semaphore] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_caps", Caps(self.settings.budget, self.login_offered))
        object.__setattr__(self, "_pools", make_pools(self.settings.jobs))

    @property
    def voices(self) -> Voices:
        """Typed scripts → voice clips; spending on the app's key goes through the same ledger and caps."""
        speaker = next((b for b in self.backends.values() if hasattr(b, "speak")), None)
        return Voices(self.settings, speaker, self.ledger, self._caps, speaker.output_dir / "speech")

    @property
    def library(self) -> Library:
        """The visitor's past runs: re-open, and recover by request id."""
        return Library(self.settings, self.backends, self.ledger, self.visitor_key)

    @property
    def preflight(self) -> Preflight:
        """What the page says before anything is spent: the estimate and whether Generate would succeed."""
        return Preflight(self.settings, self.backends, self.visitor_key, self._pools["decodes"])

    def visitor_key(self, raw: str | None) -> str | None:
        """The key policy, for every call that may reach fal: stripped, and refused if the owner says so."""
        key = (raw or "").strip() or None
        if key and not self.settings.allow_visitor_keys:
            raise InputRejected("This app does not accept visitors' fal keys; leave the key field empty.")
        return key

    def allowance(self, visitor: Visitor) -> Allowance:
        return self._caps.allowance(self.ledger.usage(visitor.id))

    async def generate(
        self,
        image: str | None,
        audio: str | None,
        prompt: str,
        endpoint: str,
        raw_key: str | None,
        visitor: Visitor,
        new_take: bool = False,
        session: str | None = None,
        skip_face_check: bool = False,
    ) -> AsyncIterator[Event]:
        started = time.monotonic()
        model = self.settings.model(endpoint)
        backend, key = self.backends[endpoint], self.visitor_key(raw_key)
        on_owner_key = backend.paid and key is None
        if on_owner_key and self.settings.budget.owner_key_requires_login and not visitor.signed_in:
            raise InputRejected(LOGIN_REQUIRED)
        yield Checking(model)
        with tempfile.TemporaryDirectory(prefix="kling-job-") as workdir:
            async with self._pools["decodes"]:
                job = await asyncio.to_thread(prepare_job, image, audio, prompt, model, Path(workdir), skip_face_check)
            same_inputs = None
            if backend.paid:  # a free render is simply made again
                digest = await asyncio.to_thread(fingerprint, Path(image), Path(audio), job.prompt, endpoint)
                same_inputs = f"{digest}:{payer_of(visitor, key)}"
                earlier = None if new_take else earlier_run(self.finished_runs, self.backends, same_inputs)
                if earlier is not None:
                    yield earlier
                    return
            reservation = self._caps.reserve(self.ledger, visitor.id, endpoint, job.estimate) if on_owner_key else None
            pool = self._pools["owner" if on_owner_key else "visitor" if backend.paid else "free"]
            books = Bookkeeping(reservation, self.finished_runs, same_inputs, self.settings.storage)
            tracked = self.tracker.start(run_new(job, backend, key, pool, books), endpoint, session)
            listening = self._listen(tracked, model, job.estimate, started, note=job.note)
            async with contextlib.aclosing(listening) as events:
                async for event in events:
                    yield event

    async def _listen(
        self,
        tracked: Tracked,
        model: Model,
        estimate: Estimate | None,
        started: float,
        from_latest: bool = False,
        note: str | None = None,
    ) -> AsyncIterator[Working | Accepted | Done | Stopped]:
        """A page following a tracked job. If it goes away before fal took the job, the job stops too."""
        announced = False
        try:
            async for event in tracked.listen(from_latest):
                elapsed = time.monotonic() - started
                if isinstance(event, Made):
                    yield Done(event.run, event.video, elapsed, " ".join(filter(None, [event.note, note])) or None)
                    continue
                working = Working(event, model, estimate, elapsed, note)
                if event.request_id and not announced and estimate is not None:
                    announced = True
                    yield Accepted(Run.pending(model, event.request_id, estimate), working)
                    continue
                yield working
            if tracked.stopped is not None:
                yield tracked.stopped
        finally:
            if tracked.request_id is None and tracked.task is not None:
                tracked.task.cancel()

    async def resume(self, entry: object, raw_key: str | None) -> AsyncIterator[Working | Accepted | Done]:
        """Follow a run the history says is still pending — after a reload or a restart — without a new submit."""
        run, started = from_entry(entry), time.monotonic()
        model = self.settings.model(run.endpoint)
        tracked = self.tracker.of_request(run.request_id or "")
        if tracked is None:
            tracked = self._follow_again(model, run.request_id or "", self.visitor_key(raw_key))
        async with contextlib.aclosing(self._listen(tracked, model, None, started, from_latest=True)) as events:
            async for event in events:
                yield event

    def _follow_again(self, model: Model, request_id: str, key: str | None) -> Tracked:
        backend = self.backends[model.endpoint]
        if key is None and not self.ledger.holds(request_id):
            raise InputRejected(
                f"Job {request_id} ran on your own fal key and the app restarted since: paste the key into "
                "“Your fal key” and press Recover (it is free; nothing is generated again)."
            )
        row = None if key else self.ledger.row_of(request_id)
        reservation = Reservation(self.ledger, row, request_id=request_id) if row is not None else None
        books = Bookkeeping(reservation, self.finished_runs, None, self.settings.storage)
        work = follow_accepted(model, request_id, backend, key, books)
        return self.tracker.start(work, model.endpoint, None, request_id)

    def resume_owner_jobs(self) -> int:
        """At start-up: follow every owner-key job that was running when the app stopped, so its video is here."""
        jobs = self.ledger.open_jobs()
        for _row, endpoint, request_id in jobs:
            if self.tracker.of_request(request_id) is None and endpoint in self.backends:
                self._follow_again(self.settings.model(endpoint), request_id, None)
        return len(jobs)

    async def stop(self, session: str | None, raw_key: str | None) -> Stopped:
        """Stop this page's job: before fal has it, the work simply ends; queued or generating, fal is told."""
        tracked = self.tracker.of_session(session)
        if tracked is None or tracked.finished or tracked.stopped is not None:
            return Stopped("finished", None)
        outcome = Stopped(tracked.stage, tracked.request_id)
        if outcome.request_id is None and tracked.task is not None:
            tracked.task.cancel()
        elif outcome.request_id is not None and outcome.stage != "downloading":  # once fal is done, nothing to stop
            await self.backends[tracked.endpoint].cancel(
                tracked.endpoint, outcome.request_id, self.visitor_key(raw_key)
            )
        tracked.halt(outcome)
        return outcome
