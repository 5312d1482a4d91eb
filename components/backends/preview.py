"""The "Local preview" model: a video made on this machine, free and offline.

It lets a newcomer see the whole flow with no fal key, and a Space stay useful
before its owner has set one. It is labelled as a preview in the page and in
every frame.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from components.backends.base import Finished, Progress
from components.backends.preview_render import PREVIEW_LABEL, render_preview
from components.errors import InputRejected, PreviewFailed

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.inputs.jobs import Job

NOT_AT_FAL = "Only Kling runs at fal have a request id to recover; choose a Kling model."
NOTE = f"**{PREVIEW_LABEL}.** Choose a Kling model (with a fal key) for the real thing."


@dataclass(frozen=True)
class PreviewBackend:
    output_dir: Path
    paid = False
    recoverable = False

    def has_key(self, visitor_key: str | None) -> bool:
        return True

    async def run(self, job: Job, visitor_key: str | None) -> AsyncIterator[Progress | Finished]:
        yield Progress("rendering")
        target = self.output_dir / f"preview-{uuid.uuid4().hex[:12]}.mp4"
        try:
            seconds = await asyncio.to_thread(render_preview, job.image, job.audio, target)
        except (OSError, RuntimeError) as exc:
            raise PreviewFailed(f"The local preview could not be rendered ({type(exc).__name__}).") from None
        yield Finished(video=target, seconds=seconds, cost=0.0, request_id=None, note=NOTE)

    async def recover(self, endpoint: str, request_id: str, visitor_key: str | None, price: float) -> Finished:
        raise InputRejected(NOT_AT_FAL)

    async def follow(
        self, endpoint: str, request_id: str, visitor_key: str | None, price: float
    ) -> AsyncIterator[Progress | Finished]:
        raise InputRejected(NOT_AT_FAL)
        yield  # an async generator, like every backend's follow

    async def cancel(self, endpoint: str, request_id: str, visitor_key: str | None) -> None:
        """A preview has no remote job: stopping its task is all there is to do."""
