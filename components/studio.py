"""The studio's rules for a job, in one place and free of any UI.

`Studio` owns the key policy, who pays (`payer`), the free-work limit, the disk budget, the pools, the re-use
of finished runs (same payer only) and the work folder. Its `generate` is an async stream of plain events;
a failure is a `StudioError` whose message is the visitor's sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.config.models import read_options
from components.errors import InputRejected
from components.events import Accepted, Checking, Done, Speaking
from components.history.library import Library
from components.history.runs import RunCache, fingerprint, from_entry
from components.history.storage import DiskBudget
from components.inputs.checked_inputs import CheckedInputs
from components.inputs.preflight import Preflight
from components.posting.posting import Posting
from components.running.job_control import JobControl
from components.running.job_runner import earlier_run, make_pools
from components.running.listening import listen
from components.running.tracker import Tracker
from components.speech.voices import Voices
from components.spending.access import check_resumable
from components.spending.budget import Caps
from components.spending.free_work import FreeWork
from components.spending.identity import Identities
from components.spending.payer import Payer, Spend

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.settings import Settings
    from components.events import Allowance, Event, Stopped, Working
    from components.running.tracker import Tracked
    from components.speech.voices import Script
    from components.spending.identity import Visitor
    from components.spending.ledger import Ledger
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class Studio:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    ledger: Ledger = field(repr=False)
    # Identical inputs from the same payer re-use a finished video instead of paying twice.
    finished_runs: RunCache = field(default_factory=RunCache, repr=False)
    login_offered: bool = False
    # Who a caller is: decided by this one rule on every path (page, API, MCP).
    identities: Identities = field(default_factory=Identities)
    # Jobs run in tasks of their own, followed by pages, so a reload never loses one.
    tracker: Tracker = field(default_factory=Tracker, repr=False)
    free_work: FreeWork = field(default_factory=FreeWork, repr=False)  # the app passes space.yaml's limit
    disk: DiskBudget = field(default_factory=DiskBudget, repr=False)  # the app passes its folders and budget
    _caps: Caps = field(init=False, repr=False)
    _pools: dict[str, asyncio.Semaphore] = field(init=False, repr=False)
    _control: JobControl = field(init=False, repr=False)
    _inputs: CheckedInputs = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_caps", Caps(self.settings.budget, self.login_offered))
        object.__setattr__(self, "_pools", make_pools(self.settings.jobs))
        object.__setattr__(self, "_inputs", CheckedInputs(self._pools["decodes"]))
        books = (self.ledger, self.finished_runs, self.tracker, self._caps, self._pools, self.disk)
        object.__setattr__(self, "_control", JobControl(self.settings, self.backends, *books))

    @property
    def voices(self) -> Voices:
        """Typed scripts → voice clips; spending on the app's key goes through the same ledger and caps."""
        speaker = next((b for b in self.backends.values() if hasattr(b, "speak")), None)
        folder = speaker.output_dir / "speech"
        return Voices(self.settings, speaker, self.ledger, folder, self.disk, self.free_work)

    @property
    def library(self) -> Library:
        """The visitor's past runs: re-open, and recover by request id."""
        return Library(self.settings, self.backends, self.ledger)

    posting = property(Posting, doc="Captions and other shapes of the videos this visitor was shown: local and free.")

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

    def payer(self, visitor: Visitor, raw_key: str | None) -> Payer:
        """Who pays for this caller's request: the one object every spending path asks."""
        return Payer(visitor, self.visitor_key(raw_key), self._caps, self.ledger)

    def spending_check(self, visitor: Visitor, endpoint: str, raw_key: str | None) -> Callable[[Estimate], None]:
        """The readiness line's spending check: raises as Generate would (sign-in, caps), reserving nothing."""
        payer, paid = self.payer(visitor, raw_key), self.backends[self.settings.model(endpoint).endpoint].paid
        return lambda estimate: payer.check([Spend(endpoint, paid, estimate)])

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
        script: Script | None = None,
        held: Sequence[int] = (),
        options: Mapping[str, Any] | str | None = None,
    ) -> AsyncIterator[Event]:
        """`script`: spoken first (voice and video reserved together); `held`: rows a comparison reserved, exchanged
        once the inputs are checked; `options`: the model's own choices (a mapping or JSON), checked."""
        started, model = time.monotonic(), self.settings.model(endpoint, read_options(options))
        backend, payer = self.backends[endpoint], self.payer(visitor, raw_key)
        payer.admit(backend.paid)
        if not backend.paid:  # a local render: free, so bounded per visitor instead (before any decoding)
            self.free_work.take(visitor.id)
        yield Checking(model)
        # Removed when the job's task ends (not when this page stops listening): parts may still be uploading.
        workdir, handed_over, held = Path(tempfile.mkdtemp(prefix="kling-job-")), False, list(held)
        voice_cost = None  # a typed script's voice, said with the video's cost when it is done
        try:
            if script is not None:
                yield Speaking(model)
                spoken, held = await self.voices.speak_for_video(script, payer, model, backend.paid)
                audio, voice_cost = str(spoken.path), spoken.cost
            job = await self._inputs.job(image, audio, prompt, model, skip_face_check, workdir)
            same_inputs = None
            if backend.paid:  # a free render is simply made again
                variant = f"{endpoint}{dict(model.chosen)}" if model.chosen else endpoint  # options change the video
                digest = await asyncio.to_thread(fingerprint, Path(image), Path(audio), job.prompt, variant)
                same_inputs = f"{digest}:{payer.id}"
                earlier = None if new_take else earlier_run(self.finished_runs, self.backends, same_inputs)
                if earlier is not None:
                    yield earlier
                    return
            (reservations,) = payer.reserve([Spend(endpoint, backend.paid, job.estimate)], replacing=held)
            held = []
            tracked = self._control.start(job, payer.key, visitor, same_inputs, reservations, session, workdir)
            handed_over = True
            listening = listen(tracked, model, job.estimate, started, self._shown(payer), job.note, voice_cost)
            async with contextlib.aclosing(listening) as events:
                async for event in events:
                    if script is not None and isinstance(event, Accepted | Done):  # for its captions later
                        self.posting.keep_script(event.run.video, script.text)
                    yield event
        finally:
            for row in held:  # held for this video, which never reached fal
                self.ledger.release(row)
            if not handed_over:
                shutil.rmtree(workdir, ignore_errors=True)

    def _shown(self, payer: Payer) -> Callable[[list[str]], None]:
        """What a page is shown becomes the payer's to follow again (see access.py)."""
        return lambda request_ids: self.ledger.sightings.seen(payer.id, request_ids)

    async def resume(
        self, entry: object, raw_key: str | None, visitor: Visitor
    ) -> AsyncIterator[Working | Accepted | Done]:
        """Follow a pending run again (a reload, a restart) without a new submit: only one shown to this payer."""
        run, payer = from_entry(entry), self.payer(visitor, raw_key)
        model, resumed = self.settings.model(run.endpoint), run if run.parts else None
        check_resumable(run, model.limits.audio, payer.id, self.ledger.sightings.visible_to)
        tracked = self._control.tracked_again(run, payer.key)
        # The clock runs from the job's start, not from this page: after a reload it goes on counting.
        started = min(tracked.started, time.monotonic() - run.age_seconds())
        listening = listen(tracked, model, None, started, self._shown(payer), from_latest=True, resumed=resumed)
        async with contextlib.aclosing(listening) as events:
            async for event in events:
                yield event

    def resume_owner_jobs(self) -> int:  # at start-up: every owner-key job running when the app stopped
        return self._control.resume_owner_jobs()

    async def stop(self, session: str | None, raw_key: str | None) -> Stopped:
        """Stop this page's job: before fal has it, the work simply ends; queued or generating, fal is told."""
        return await self._control.stop(session, self.visitor_key(raw_key))

    async def stop_job(self, tracked: Tracked, payer: Payer) -> Stopped:
        # An agent's cancel, by the job's id: the same rules as Stop on the page.
        return await self._control.stop_tracked(tracked, payer.key)
