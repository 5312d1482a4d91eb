"""The studio's rules for a job, in one place and free of any UI.

`Studio` owns the key policy, the quote, the budget's reserve/settle/release,
the re-use of finished runs, the work folder and the `Run` records. Its
`generate` is an async stream of plain events (checking → the backend's
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

from components.backends.base import Backend, Finished, Progress
from components.budget import SessionSpend, check_budget
from components.errors import InputRejected, StudioError
from components.jobs import Job, Quote, prepare_job, quote
from components.runs import Run, RunCache, check_request_id, fingerprint, from_entry, now_iso
from components.settings import Model, Settings


@dataclass(frozen=True)
class Checking:
    model: Model


@dataclass(frozen=True)
class Working:
    progress: Progress
    job: Job
    elapsed: float


@dataclass(frozen=True)
class Done:
    run: Run
    video: Path
    job: Job
    elapsed: float
    note: str | None


@dataclass(frozen=True)
class Reused:
    run: Run
    video: Path


@dataclass(frozen=True)
class Reopened:
    run: Run
    video: Path
    recovered: bool


Event = Checking | Working | Done | Reused


@dataclass(frozen=True)
class Studio:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    # Identical inputs re-use a finished video instead of paying twice.
    finished_runs: RunCache = field(default_factory=RunCache, repr=False)

    def visitor_key(self, raw: str | None) -> str | None:
        """The key policy, for every call that may reach fal: stripped, and refused if the owner says so."""
        key = (raw or "").strip() or None
        if key and not self.settings.allow_visitor_keys:
            raise InputRejected("This app does not accept visitors' fal keys; leave the key field empty.")
        return key

    async def estimate(self, audio: str | None, endpoint: str) -> Quote:
        """Duration × price from the audio header; an ffprobe run (off the event loop) only when needed."""
        model = self.settings.model(endpoint)
        found = quote(audio, model, header_only=True)  # a fraction of a millisecond: no thread hop
        return found if found is not None else await asyncio.to_thread(quote, audio, model)

    def missing(self, image: str | None, audio: str | None, endpoint: str, raw_key: str | None) -> list[str]:
        """What a click on Generate would still lack."""
        needed = [] if image else ["a portrait image"]
        needed += [] if audio else ["a voice clip"]
        try:
            has_key = self.backends[self.settings.model(endpoint).endpoint].has_key(self.visitor_key(raw_key))
        except StudioError:
            has_key = False
        if not has_key:
            needed.append("a fal key (paste yours in “Your fal key”) or the Local preview model")
        return needed

    def audio_problem(self, audio: str, endpoint: str) -> str | None:
        try:
            return quote(audio, self.settings.model(endpoint)).problem
        except StudioError as exc:
            return str(exc)

    async def generate(
        self, image: str | None, audio: str | None, prompt: str, endpoint: str, raw_key: str | None, spent: SessionSpend
    ) -> AsyncIterator[Event]:
        started = time.monotonic()
        model = self.settings.model(endpoint)
        backend, key = self.backends[endpoint], self.visitor_key(raw_key)
        yield Checking(model)
        with tempfile.TemporaryDirectory(prefix="kling-job-") as workdir:
            job = await asyncio.to_thread(prepare_job, image, audio, prompt, model, Path(workdir))
            same_inputs = None
            if backend.paid:  # a free render is simply made again
                same_inputs = await asyncio.to_thread(fingerprint, Path(image), Path(audio), job.prompt, endpoint)
                earlier = self._earlier_run(same_inputs)
                if earlier is not None:
                    yield earlier
                    return
            on_owner_budget = backend.paid and key is None and model.price_per_second > 0
            run = self._run(job, backend, key, spent if on_owner_budget else None, started, same_inputs)
            async with contextlib.aclosing(run) as events:
                async for event in events:
                    yield event

    async def _run(
        self, job: Job, backend: Backend, key: str | None, spent: SessionSpend | None, started: float, same: str | None
    ) -> AsyncIterator[Working | Done]:
        if spent is not None:
            check_budget(job.estimate, spent, self.settings.budget)
            spent.reserve(job.estimate)
        finished: Finished | None = None
        try:
            async with contextlib.aclosing(backend.run(job, key)) as events:
                async for event in events:
                    elapsed = time.monotonic() - started
                    if isinstance(event, Progress):
                        yield Working(event, job, elapsed)
                        continue
                    finished = event
                    run = self._record(job.model, event)
                    if same is not None:
                        self.finished_runs.put(same, run)
                    yield Done(run, event.video, job, elapsed, event.note)
        finally:
            if spent is not None and finished is None:
                spent.release(job.estimate)
        if spent is not None and finished is not None:
            spent.settle(job.estimate, finished.seconds, finished.cost)

    async def reopen(self, entry: object, raw_key: str | None) -> Reopened:
        """A past run's video: the local copy if it is still here, else fal's stored result."""
        run = from_entry(entry)
        backend = self.backends.get(run.endpoint)
        if backend is not None and (backend.output_dir / run.video).is_file():
            return Reopened(run, backend.output_dir / run.video, recovered=False)
        if not run.request_id:
            raise InputRejected("That preview is no longer on this server; generate it again (it is free).")
        return await self.recover(run.request_id, run.endpoint, raw_key)

    async def recover(self, request_id: str | None, endpoint: str, raw_key: str | None) -> Reopened:
        """Fetch a finished fal job again by its request id, without paying for it again."""
        model, key = self.settings.model(endpoint), self.visitor_key(raw_key)
        request_id = check_request_id(request_id)
        finished = await self.backends[endpoint].recover(endpoint, request_id, key, model.price_per_second)
        return Reopened(self._record(model, finished), finished.video, recovered=True)

    def _earlier_run(self, same_inputs: str) -> Reused | None:
        """The finished run with these exact inputs, if its video is still on disk."""
        run = self.finished_runs.get(same_inputs)
        backend = self.backends.get(run.endpoint) if run is not None else None
        if backend is None or not (backend.output_dir / run.video).is_file():
            return None
        return Reused(run, backend.output_dir / run.video)

    @staticmethod
    def _record(model: Model, finished: Finished) -> Run:
        return Run(
            model.endpoint,
            model.label,
            finished.seconds,
            finished.cost,
            finished.request_id,
            finished.video.name,
            now_iso(),
        )
