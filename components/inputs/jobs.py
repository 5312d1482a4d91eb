"""Turning a visitor's inputs into a job fal will accept — or a clear refusal.

Pure logic: no gradio, nothing remote. Every limit comes from space.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import InputRejected
from components.inputs.audio import check_header, part_lengths, prepare_audio, probe_audio, probe_header
from components.inputs.portrait import prepare_portrait
from components.inputs.text import check_characters
from components.spending.pricing import estimate, estimate_parts

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import Model
    from components.inputs.audio import Voice
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class Job:
    """Everything a backend needs, already checked and converted."""

    model: Model
    image: Path
    audio: Path
    prompt: str
    estimate: Estimate
    note: str | None = None  # what the face check did (a crop, which of several faces)
    # A narration longer than the model takes: its audio cut at pauses, one file per video fal makes.
    voice_parts: tuple[Path, ...] = ()

    @property
    def endpoint(self) -> str:
        return self.model.endpoint

    def parts(self) -> tuple[Job, ...]:
        """The jobs fal runs: this one, or one per part of a narration (same portrait and prompt)."""
        if len(self.voice_parts) < 2:
            return (self,)
        return tuple(
            replace(self, audio=audio, estimate=part, voice_parts=())
            for audio, part in zip(self.voice_parts, self.estimate.parts, strict=True)
        )


def prepare_job(
    image: str | None, audio: str | None, prompt: str, model: Model, workdir: Path, skip_face_check: bool = False
) -> Job:
    if not image:
        raise InputRejected("Add a portrait image first (upload, webcam or paste).")
    if not audio:
        raise InputRejected("Add a voice clip first (upload or record with the microphone).")
    prompt = check_prompt(prompt, model.limits.prompt_max_chars)
    limits = model.limits
    voice = prepare_audio(audio, limits.audio, workdir)
    portrait, note = prepare_portrait(image, limits.image, workdir, skip_face_check)
    return assemble_job(model, portrait, note, voice, prompt)


def assemble_job(model: Model, portrait: Path, note: str | None, voice: Voice, prompt: str) -> Job:
    """The job from inputs already checked: the estimate bills each part the voice was cut into."""
    return Job(
        model=model,
        image=portrait,
        audio=voice.path,
        prompt=prompt,
        estimate=estimate_parts([part.seconds for part in voice.parts], model.price_per_second),
        note=note,
        voice_parts=tuple(part.path for part in voice.parts) if len(voice.parts) > 1 else (),
    )


def check_prompt(prompt: str | None, max_chars: int) -> str:
    """Blank means Kling's own default prompt, a single '.'."""
    text = check_characters((prompt or "").strip(), "prompt") or "."
    if len(text) > max_chars:
        raise InputRejected(f"The prompt is too long: {len(text):,} characters. The limit is {max_chars:,}.")
    return text


@dataclass(frozen=True)
class Quote:
    """The live estimate, plus why Generate would be refused (None if it would not)."""

    estimate: Estimate
    problem: str | None


def quote(audio: str | None, model: Model, header_only: bool = False) -> Quote | None:
    """From the header alone, so it is instant — except for a narration longer than the model
    takes, whose parts (and so their billing) are only known once the cuts are planned.

    With `header_only`, returns None for containers whose header mutagen cannot read and for
    narrations that need cutting; the caller then runs this again off the event loop.
    """
    if not audio:
        raise InputRejected("Add a voice clip to see the cost.")
    limits = model.limits.audio
    info = probe_header(audio) if header_only else probe_audio(audio)
    if info is None:
        return None
    try:
        check_header(info, limits)
        problem = None
    except InputRejected as exc:
        problem = str(exc)
    if problem is None and info.seconds > limits.max_seconds:
        if header_only:
            return None
        return Quote(estimate_parts(part_lengths(info, limits), model.price_per_second), None)
    return Quote(estimate(info.seconds, model.price_per_second), problem)
