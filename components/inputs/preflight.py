"""What the page says before anything is spent: the live estimate and what a click on Generate would lack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from components.config.models import read_options
from components.errors import StudioError
from components.inputs.jobs import quote

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.base import Backend
    from components.config.models import Model
    from components.config.settings import Settings
    from components.inputs.checked_inputs import CheckedInputs
    from components.inputs.jobs import Quote
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class Preflight:
    settings: Settings
    backends: Mapping[str, Backend] = field(repr=False)
    key_policy: Callable[[str | None], str | None] = field(repr=False)
    inputs: CheckedInputs = field(repr=False)

    async def estimate(self, audio: str | None, endpoint: str, options: object = None) -> Quote:
        """Duration × price from the audio header; else (ffprobe, a narration's cuts) from the voice checked
        once for Generate too. The price and the longest part follow the model's `options` (those it has)."""
        model = self.model_for(endpoint, options)
        found = quote(audio, model, header_only=True)  # a fraction of a millisecond: no thread hop
        if found is not None:
            return found
        return await self.inputs.quote(audio, model)

    def model_for(self, endpoint: str, options: object) -> Model:
        """Lenient, unlike Generate: a page switching models sends the previous model's options for a moment.
        `options`: a mapping or its JSON text (as the API sends it)."""
        model, given = self.settings.model(endpoint), read_options(options)
        return model.choose(model.fit(given)) if given else model

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
        options: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The sentence Generate would refuse with — found by the very checks it runs (image, audio,
        silence, prompt, and with `spending` the owner's caps), kept for it; None when it would go ahead."""
        try:
            model = self.model_for(endpoint, options)
            job = await self.inputs.job(image, audio, prompt, model, skip_face_check)
            if spending is not None:
                spending(job.estimate)
        except StudioError as exc:
            return str(exc)
        return None
