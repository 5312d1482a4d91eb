"""Event handlers for the estimate and the generation: the only place where
domain errors become `gr.Error`.

Handlers take Gradio's raw file payloads (the events use `preprocess=False`),
so a file Gradio itself cannot decode still reaches our checks and gets a
sentence instead of Gradio's generic error.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

import gradio as gr

from components import status
from components.backends.base import Backend, Finished
from components.budget import SessionSpend, check_budget
from components.errors import InputRejected, StudioError
from components.gradio_edge import as_gradio_error, file_path, gradio_error
from components.history import Run, RunCache, fingerprint, now_iso
from components.jobs import Job, prepare_job, quote
from components.settings import Settings

@dataclass(frozen=True)
class Handlers:
    settings: Settings
    backends: dict[str, Backend] = field(repr=False)
    # Identical inputs re-use a finished video instead of paying twice.
    finished_runs: RunCache = field(default_factory=RunCache, repr=False)

    async def estimate_cost(self, audio: Any, model: str) -> str:
        """Live estimate from the audio header: duration × price, and any reason Generate would refuse."""
        with as_gradio_error():
            chosen, path = self.settings.model(model), file_path(audio)
            # The header read is a fraction of a millisecond: done on the event loop, no thread hop.
            found = quote(path, chosen, header_only=True)
            if found is None:
                found = await asyncio.to_thread(quote, path, chosen)
            return status.describe_quote(found)

    def readiness(self, image: Any, audio: Any, model: str, fal_key: str) -> str:
        """One line under Generate: what is still missing before a click can succeed."""
        missing = []
        if not file_path(image):
            missing.append("a portrait image")
        if not file_path(audio):
            missing.append("a voice clip")
        backend = self.backends.get(model)
        if backend is not None and not backend.has_key((fal_key or "").strip() or None):
            missing.append("a fal key (paste yours in “Your fal key”) or the Local preview model")
        if missing:
            return "To generate, add " + ", ".join(missing) + "."
        if self._audio_problem(audio, model):
            return "Not ready: the voice clip needs fixing (see the estimate above)."
        return "Ready — press **Generate**."

    async def generate(
        self, image: Any, audio: Any, prompt: str, model: str, fal_key: str, spent: SessionSpend | None = None
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """Check and convert the inputs, run the job, stream its status, return the video.

        A failure is said twice on purpose: in the status box, which stays on the
        page, and as `gr.Error`, which is what API callers receive.
        """
        try:
            async for update in self._generate(image, audio, prompt, model, fal_key, spent or SessionSpend()):
                yield update
        except Exception as exc:
            error = gradio_error(exc, "generating")
            yield gr.skip(), status.failed(error.message), gr.skip()
            raise error from None

    def stopped(self) -> str:
        return status.STOPPED

    async def _generate(self, image, audio, prompt, model, fal_key, spent: SessionSpend):
        started = time.monotonic()
        chosen = self.settings.model(model)
        visitor_key = self._visitor_key(fal_key)
        yield None, status.checking(chosen.label), gr.skip()
        workdir = Path(tempfile.mkdtemp(prefix="kling-job-"))
        try:
            job = await asyncio.to_thread(prepare_job, file_path(image), file_path(audio), prompt, chosen, workdir)
            same_inputs = None
            if chosen.backend == "fal":  # only paid runs are worth re-using; a preview is re-rendered
                same_inputs = await asyncio.to_thread(
                    fingerprint, Path(file_path(image)), Path(file_path(audio)), job.prompt, chosen.endpoint
                )
                earlier = self._earlier_run(same_inputs)
                if earlier is not None:
                    yield earlier.video_path, status.reused(earlier.run), earlier.run.entry()
                    return
            on_owner_budget = chosen.backend == "fal" and visitor_key is None and chosen.price_per_second > 0
            async for update in self._run_job(job, visitor_key, spent if on_owner_budget else None, started, same_inputs):
                yield update
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _run_job(
        self, job: Job, visitor_key: str | None, spent: SessionSpend | None, started: float, same_inputs: str | None
    ):
        """Yield the page's updates, the last one with the video, which is remembered under `same_inputs`."""
        if spent is not None:
            check_budget(job.estimate, spent, self.settings.budget)
            spent.reserve(job.estimate)
        finished = None
        try:
            async with contextlib.aclosing(self.backends[job.endpoint].run(job, visitor_key)) as events:
                async for event in events:
                    elapsed = time.monotonic() - started
                    if not isinstance(event, Finished):
                        yield gr.skip(), status.describe_progress(event, job, elapsed), gr.skip()
                        continue
                    finished = event
                    run = Run(job.endpoint, job.model.label, event.seconds, event.cost, event.request_id,
                              event.video.name, now_iso())
                    if same_inputs is not None:
                        self.finished_runs.put(same_inputs, run)
                    yield str(event.video), status.describe_finished(event, job, elapsed), run.entry()
        finally:
            if spent is not None and finished is None:
                spent.release(job.estimate)
        if spent is not None:
            spent.settle(job.estimate, finished.seconds, finished.cost)

    def _earlier_run(self, same_inputs: str) -> _Reuse | None:
        """The finished run with these exact inputs, if its video is still on disk."""
        run = self.finished_runs.get(same_inputs)
        if run is None or run.endpoint not in self.backends:
            return None
        video = Path(self.backends[run.endpoint].output_dir) / run.video
        return _Reuse(run, str(video)) if video.is_file() else None

    def _audio_problem(self, audio: Any, model: str) -> str | None:
        try:
            return quote(file_path(audio), self.settings.model(model)).problem
        except StudioError as exc:
            return str(exc)

    def _visitor_key(self, fal_key: str | None) -> str | None:
        key = (fal_key or "").strip() or None
        if key and not self.settings.allow_visitor_keys:
            raise InputRejected("This app does not accept visitors' fal keys; leave the key field empty.")
        return key


@dataclass(frozen=True)
class _Reuse:
    run: Run
    video_path: str
