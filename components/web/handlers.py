"""The page's event handlers: Gradio payloads into `Studio` calls, studio events into component updates.

Handlers take Gradio's raw file payloads (the events use `preprocess=False`),
so a file Gradio itself cannot decode still reaches the studio's checks and gets
a sentence instead of Gradio's generic error. Every `StudioError` becomes a
`gr.Error` here (see `edge.py`) and nowhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.budget import SessionSpend
from components.errors import InputRejected
from components.runs import from_entry, remember
from components.studio import Checking, Done, Reused, Studio, Working
from components.web import wording
from components.web.edge import as_gradio_error, file_path, gradio_error


@dataclass(frozen=True)
class Handlers:
    studio: Studio = field(repr=False)

    async def estimate_cost(self, audio: Any, model: str) -> str:
        """Live estimate from the audio header: duration × price, and any reason Generate would refuse."""
        with as_gradio_error():
            return wording.describe_quote(await self.studio.estimate(file_path(audio), model))

    def readiness(self, image: Any, audio: Any, model: str, fal_key: str) -> str:
        """One line under Generate: what is still missing before a click can succeed."""
        missing = self.studio.missing(file_path(image), file_path(audio), model, fal_key)
        problem = None if missing else self.studio.audio_problem(file_path(audio), model)
        return wording.readiness(missing, problem)

    async def generate(
        self, image: Any, audio: Any, prompt: str, model: str, fal_key: str, spent: SessionSpend | None = None
    ) -> AsyncIterator[tuple[Any, str, Any]]:
        """Check and convert the inputs, run the job, stream its status, return the video.

        A failure is said twice on purpose: in the status box, which stays on the
        page, and as `gr.Error`, which is what API callers receive.
        """
        try:
            events = self.studio.generate(
                file_path(image), file_path(audio), prompt, model, fal_key, spent or SessionSpend()
            )
            async for event in events:
                yield _page_update(event)
        except Exception as exc:
            error = gradio_error(exc, "generating")
            yield gr.skip(), wording.failed(error.message), gr.skip()
            raise error from None

    def stopped(self) -> str:
        return wording.STOPPED

    def remember(self, history: list | None, last_run: dict | None) -> tuple[list, Any]:
        """Append the finished run to the browser's history (only the fields of `Run`: never a key)."""
        if not last_run:
            return history or [], self.choices(history)
        updated = remember(history, from_entry(last_run))
        return updated, self.choices(updated)

    def choices(self, history: list | None) -> Any:
        labels = []
        for index, entry in enumerate(history or []):
            try:
                labels.append((from_entry(entry).label(), index))
            except InputRejected:
                continue
        return gr.update(choices=labels, value=None)

    async def reopen(self, history: list | None, index: int | None, fal_key: str) -> tuple[Any, str]:
        """Show a past video: the local copy if it is still here, else fal's stored result."""
        with as_gradio_error("re-opening a run"):
            if index is None or not history or not 0 <= index < len(history):
                raise InputRejected("Pick a run from your history first.")
            found = await self.studio.reopen(history[index], fal_key)
            return str(found.video), wording.reopened(found.run, recovered=found.recovered)

    async def recover(self, request_id: str, model: str, fal_key: str) -> tuple[Any, str, dict]:
        """Fetch a finished fal job again by its request id, without paying for it again."""
        with as_gradio_error("recovering a result"):
            found = await self.studio.recover(request_id, model, fal_key)
            return str(found.video), wording.reopened(found.run, recovered=True), found.run.entry()


def _page_update(event: Checking | Working | Done | Reused) -> tuple[Any, str, Any]:
    """(video, status, last_run) for one studio event."""
    if isinstance(event, Checking):
        return None, wording.checking(event.model.label), gr.skip()
    if isinstance(event, Working):
        return gr.skip(), wording.describe_progress(event.progress, event.job, event.elapsed), gr.skip()
    if isinstance(event, Reused):
        return str(event.video), wording.reused(event.run), event.run.entry()
    return str(event.video), wording.describe_done(event), event.run.entry()
