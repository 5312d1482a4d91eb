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
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.backends.base import Backend
from components.budget import LOGIN_REQUIRED, Caps
from components.checked_inputs import CheckedInputs
from components.errors import InputRejected
from components.events import Accepted, Allowance, Checking, Done, Event, Stopped, Working
from components.identity import Visitor, payer_of
from components.job_control import JobControl
from components.job_runner import Made, earlier_run, make_pools
from components.ledger import Ledger
from components.library import Library
from components.preflight import Preflight
from components.pricing import Estimate
from components.runs import Run, RunCache, fingerprint, from_entry, pending_run
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
    _control: JobControl = field(init=False, repr=False)
    _inputs: CheckedInputs = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_caps", Caps(self.settings.budget, self.login_offered))
        object.__setattr__(self, "_pools", make_pools(self.settings.jobs))
        object.__setattr__(self, "_inputs", CheckedInputs(self._pools["decodes"]))
        control = JobControl(
            self.settings, self.backends, self.ledger, self.finished_runs, self.tracker, self._caps, self._pools
        )
        object.__setattr__(self, "_control", control)

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
        return Preflight(self.settings, self.backends, self.visitor_key, self._inputs)

    def visitor_key(self, raw: str | None) -> str | None:
        """The key policy, for every call that may reach fal: stripped, and refused if the owner says so."""
        key = (raw or "").strip() or None
        if key and not self.settings.allow_visitor_keys:
            raise InputRejected("This app does not accept visitors' fal keys; leave the key field empty.")
        return key

    def spending_check(self, visitor: Visitor, endpoint: str, raw_key: str | None) -> Callable[[Estimate], None]:
        """What Generate checks of the owner's budget, for the readiness line: raises as Generate would
        (sign-in required, a cap reached), without reserving anything. A visitor's own key passes."""
        backend = self.backends[self.settings.model(endpoint).endpoint]

        def check(estimate: Estimate) -> None:
            if not backend.paid or self.visitor_key(raw_key) is not None:
                return
            if self.settings.budget.owner_key_requires_login and not visitor.signed_in:
                raise InputRejected(LOGIN_REQUIRED)
            self._caps.check_request(estimate)
            self._caps.check_usage(estimate.dollars, self.ledger.usage(visitor.id))

        return check

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
        # Removed when the job's task ends (not when this page stops listening): parts may still be uploading.
        workdir = Path(tempfile.mkdtemp(prefix="kling-job-"))
        handed_over = False
        try:
            job = await self._inputs.job(image, audio, prompt, model, skip_face_check, workdir)
            same_inputs = None
            if backend.paid:  # a free render is simply made again
                digest = await asyncio.to_thread(fingerprint, Path(image), Path(audio), job.prompt, endpoint)
                same_inputs = f"{digest}:{payer_of(visitor, key)}"
                earlier = None if new_take else earlier_run(self.finished_runs, self.backends, same_inputs)
                if earlier is not None:
                    yield earlier
                    return
            reserved = self._caps.reserve(self.ledger, visitor.id, endpoint, job.estimate) if on_owner_key else None
            reservations = reserved or [None] * len(job.parts())
            tracked = self._control.start(job, key, visitor, same_inputs, reservations, session, workdir)
            handed_over = True
            listening = self._listen(tracked, model, job.estimate, started, note=job.note)
            async with contextlib.aclosing(listening) as events:
                async for event in events:
                    yield event
        finally:
            if not handed_over:
                shutil.rmtree(workdir, ignore_errors=True)

    async def _listen(
        self,
        tracked: Tracked,
        model: Model,
        estimate: Estimate | None,
        started: float,
        from_latest: bool = False,
        note: str | None = None,
        resumed: Run | None = None,
    ) -> AsyncIterator[Working | Accepted | Done | Stopped]:
        """A page following a tracked job. If it goes away before fal took the job, the job stops too.

        Each new request id (a narration has one per part) is announced, so the history keeps them all."""
        announced: tuple[str, ...] = ()
        try:
            async for event in tracked.listen(from_latest):
                elapsed = time.monotonic() - started
                if isinstance(event, Made):
                    yield Done(event.run, event.video, elapsed, " ".join(filter(None, [event.note, note])) or None)
                    continue
                working = Working(event, model, estimate, elapsed, note)
                pending = pending_run(model, event, estimate, resumed)
                if pending is not None and event.request_ids != announced:
                    announced = event.request_ids
                    yield Accepted(pending, working)
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
        tracked = self._control.tracked_again(run, self.visitor_key(raw_key))
        model = self.settings.model(run.endpoint)
        listening = self._listen(tracked, model, None, started, from_latest=True, resumed=run if run.parts else None)
        async with contextlib.aclosing(listening) as events:
            async for event in events:
                yield event

    def resume_owner_jobs(self) -> int:
        """At start-up: follow every owner-key job that was running when the app stopped, so its video is here."""
        return self._control.resume_owner_jobs()

    async def stop(self, session: str | None, raw_key: str | None) -> Stopped:
        """Stop this page's job: before fal has it, the work simply ends; queued or generating, fal is told."""
        return await self._control.stop(session, self.visitor_key(raw_key))
