"""What the page says before anything is spent: the live estimate and what a click on Generate would lack."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.backends.base import Backend
from components.errors import StudioError
from components.jobs import Quote, prepare_job, quote
from components.pricing import Estimate
from components.settings import Settings


@dataclass(frozen=True)
class Preflight:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    key_policy: Callable[[str | None], str | None] = field(repr=False)
    decodes: asyncio.Semaphore = field(repr=False)

    async def estimate(self, audio: str | None, endpoint: str) -> Quote:
        """Duration × price from the audio header; ffprobe, or a narration's decode, off the event loop when needed."""
        model = self.settings.model(endpoint)
        found = quote(audio, model, header_only=True)  # a fraction of a millisecond: no thread hop
        if found is not None:
            return found
        async with self.decodes:  # a narration's cuts are planned on the decoded audio: bounded like any decode
            return await asyncio.to_thread(quote, audio, model)

    def missing(self, image: str | None, audio: str | None, endpoint: str, raw_key: str | None) -> list[str]:
        """What a click on Generate would still lack."""
        needed = [] if image else ["a portrait image"]
        needed += [] if audio else ["a voice clip"]
        try:
            has_key = self.backends[self.settings.model(endpoint).endpoint].has_key(self.key_policy(raw_key))
        except StudioError:
            has_key = False
        if not has_key:
            needed.append("a fal key (paste yours in “Your fal key”) or the Local preview model")
        return needed

    async def problem(
        self,
        image: str,
        audio: str,
        prompt: str,
        endpoint: str,
        skip_face_check: bool = False,
        spending: Callable[[Estimate], None] | None = None,
    ) -> str | None:
        """The sentence Generate would refuse with — found by the very checks it runs (image, audio,
        silence, prompt, and with `spending` the owner's caps), on a scratch copy; None when it would go ahead."""
        try:
            model = self.settings.model(endpoint)
            async with self.decodes:
                with tempfile.TemporaryDirectory(prefix="kling-ready-") as scratch:
                    job = await asyncio.to_thread(
                        prepare_job, image, audio, prompt, model, Path(scratch), skip_face_check
                    )
            if spending is not None:
                spending(job.estimate)
        except StudioError as exc:
            return str(exc)
        return None
