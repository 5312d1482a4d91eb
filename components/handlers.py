"""Event handlers: the only place where domain errors become `gr.Error`.

Handlers take Gradio's raw file payloads (the events use `preprocess=False`),
so a file Gradio itself cannot decode still reaches our checks and gets a
sentence instead of Gradio's generic error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

import gradio as gr

from components import status
from components.backends.base import Backend, Finished
from components.errors import InputRejected, StudioError
from components.jobs import Job, prepare_job, quote
from components.settings import Settings

log = logging.getLogger("kling_studio")

UNEXPECTED = "Something went wrong inside the app. Your inputs are untouched — please try again."


@dataclass(frozen=True)
class Handlers:
    settings: Settings
    backends: dict[str, Backend] = field(repr=False)

    def estimate_cost(self, audio: Any, model: str) -> str:
        """Live estimate from the audio header: duration × price, and any reason Generate would refuse."""
        with _as_gradio_error():
            return status.describe_quote(quote(_path(audio), self.settings.model(model)))

    def readiness(self, image: Any, audio: Any, model: str, fal_key: str) -> str:
        """One line under Generate: what is still missing before a click can succeed."""
        missing = []
        if not _path(image):
            missing.append("a portrait image")
        if not _path(audio):
            missing.append("a voice clip")
        backend = self.backends.get(model)
        if backend is not None and not backend.has_key((fal_key or "").strip() or None):
            missing.append("a fal key (paste yours in “Your fal key”)")
        if missing:
            return "To generate, add " + ", ".join(missing) + "."
        if self._audio_problem(audio, model):
            return "Not ready: the voice clip needs fixing (see the estimate above)."
        return "Ready — press **Generate**."

    async def generate(
        self, image: Any, audio: Any, prompt: str, model: str, fal_key: str
    ) -> AsyncIterator[tuple[Any, str]]:
        """Check and convert the inputs, run the job, stream its status, return the video.

        A failure is said twice on purpose: in the status box, which stays on the
        page, and as `gr.Error`, which is what API callers receive.
        """
        try:
            async for update in self._generate(image, audio, prompt, model, fal_key):
                yield update
        except StudioError as exc:
            yield gr.skip(), status.failed(str(exc))
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:
            # Only the type: the exception may hold an HTTP request with the key in its headers.
            log.error("unexpected %s while generating", type(exc).__name__)
            yield gr.skip(), status.failed(UNEXPECTED)
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    async def _generate(self, image, audio, prompt, model, fal_key) -> AsyncIterator[tuple[Any, str]]:
        started = time.monotonic()
        chosen = self.settings.model(model)
        visitor_key = self._visitor_key(fal_key)
        yield None, status.checking(chosen.label)
        workdir = Path(tempfile.mkdtemp(prefix="kling-job-"))
        try:
            job = await asyncio.to_thread(prepare_job, _path(image), _path(audio), prompt, chosen, workdir)
            async with contextlib.aclosing(self.backends[model].run(job, visitor_key)) as events:
                async for event in events:
                    yield self._render(event, job, time.monotonic() - started)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def stopped(self) -> str:
        return status.STOPPED

    def _render(self, event, job: Job, elapsed: float) -> tuple[Any, str]:
        if isinstance(event, Finished):
            return str(event.video), status.describe_finished(event, job, elapsed)
        return gr.skip(), status.describe_progress(event, job, elapsed)

    def _audio_problem(self, audio: Any, model: str) -> str | None:
        try:
            return quote(_path(audio), self.settings.model(model)).problem
        except StudioError as exc:
            return str(exc)

    def _visitor_key(self, fal_key: str | None) -> str | None:
        key = (fal_key or "").strip() or None
        if key and not self.settings.allow_visitor_keys:
            raise InputRejected("This app does not accept visitors' fal keys; leave the key field empty.")
        return key


@contextlib.contextmanager
def _as_gradio_error():
    """StudioError → its own sentence; anything else → a generic one, logged by type only."""
    try:
        yield
    except StudioError as exc:
        raise gr.Error(str(exc), print_exception=False) from None
    except Exception as exc:
        # Only the type: the exception may hold an HTTP request with the key in its headers.
        log.error("unexpected %s in a handler", type(exc).__name__)
        raise gr.Error(UNEXPECTED, print_exception=False) from None


def _path(payload: Any) -> str | None:
    """A raw file payload from Gradio (dict with `path`) or a plain path."""
    if isinstance(payload, dict):
        return payload.get("path")
    return payload or None
