"""Event handlers for the visitor's run history and for recovering fal results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from components import status
from components.backends.base import Backend
from components.errors import InputRejected
from components.gradio_edge import as_gradio_error
from components.history import Run, check_request_id, from_entry, now_iso, remember
from components.settings import Settings


@dataclass(frozen=True)
class HistoryHandlers:
    settings: Settings
    backends: dict[str, Backend] = field(repr=False)

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
            run = from_entry(history[index])
            local = Path(self.backends[run.endpoint].output_dir) / run.video if run.endpoint in self.backends else None
            if local is not None and local.is_file():
                return str(local), status.reopened(run, recovered=False)
            if not run.request_id:
                raise InputRejected("That preview is no longer on this server; generate it again (it is free).")
            video, recovered = await self._recover(run.request_id, run.endpoint, fal_key)
            return video, status.reopened(recovered, recovered=True)

    async def recover(self, request_id: str, model: str, fal_key: str) -> tuple[Any, str, dict]:
        """Fetch a finished fal job again by its request id, without paying for it again."""
        with as_gradio_error("recovering a result"):
            video, run = await self._recover(check_request_id(request_id), model, fal_key)
            return video, status.reopened(run, recovered=True), run.entry()

    async def _recover(self, request_id: str, endpoint: str, fal_key: str) -> tuple[str, Run]:
        chosen = self.settings.model(endpoint)
        backend = self.backends[endpoint]
        if chosen.backend != "fal":
            raise InputRejected("Only Kling runs at fal have a request id to recover; choose a Kling model.")
        visitor_key = (fal_key or "").strip() or None
        finished = await backend.recover(endpoint, request_id, visitor_key, chosen.price_per_second)
        run = Run(endpoint, chosen.label, finished.seconds, finished.cost, request_id, finished.video.name, now_iso())
        return str(finished.video), run
