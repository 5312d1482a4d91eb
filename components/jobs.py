"""Turning a visitor's inputs into a job fal will accept — or a clear refusal.

Pure logic: no gradio, nothing remote. Every limit comes from space.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from components.errors import InputRejected
from components.media.audio import check_header, prepare_audio, probe_audio, probe_header
from components.media.portrait import prepare_portrait
from components.pricing import Estimate, estimate
from components.settings import Model


@dataclass(frozen=True)
class Job:
    """Everything a backend needs, already checked and converted."""

    model: Model
    image: Path
    audio: Path
    prompt: str
    estimate: Estimate
    note: str | None = None  # what the face check did (a crop, which of several faces)

    @property
    def endpoint(self) -> str:
        return self.model.endpoint


def prepare_job(
    image: str | None, audio: str | None, prompt: str, model: Model, workdir: Path, skip_face_check: bool = False
) -> Job:
    if not image:
        raise InputRejected("Add a portrait image first (upload, webcam or paste).")
    if not audio:
        raise InputRejected("Add a voice clip first (upload or record with the microphone).")
    prompt = check_prompt(prompt, model.limits.prompt_max_chars)
    limits = model.limits
    prepared_audio = prepare_audio(audio, limits.audio, workdir)
    portrait, note = prepare_portrait(image, limits.image, workdir, skip_face_check)
    return Job(
        model=model,
        image=portrait,
        audio=prepared_audio.path,
        prompt=prompt,
        estimate=estimate(prepared_audio.seconds, model.price_per_second),
        note=note,
    )


def check_prompt(prompt: str | None, max_chars: int) -> str:
    """Blank means Kling's own default prompt, a single '.'."""
    text = (prompt or "").strip() or "."
    if len(text) > max_chars:
        raise InputRejected(f"The prompt is too long: {len(text):,} characters. The limit is {max_chars:,}.")
    return text


@dataclass(frozen=True)
class Quote:
    """The live estimate, plus why Generate would be refused (None if it would not)."""

    estimate: Estimate
    problem: str | None


def quote(audio: str | None, model: Model, header_only: bool = False) -> Quote | None:
    """Never decodes the audio, so it is instant even for a five-minute file.

    With `header_only`, returns None for containers whose header mutagen cannot
    read; the caller then runs the ffprobe path off the event loop.
    """
    if not audio:
        raise InputRejected("Add a voice clip to see the cost.")
    info = probe_header(audio) if header_only else probe_audio(audio)
    if info is None:
        return None
    try:
        check_header(info, model.limits.audio)
        problem = None
    except InputRejected as exc:
        problem = str(exc)
    return Quote(estimate(info.seconds, model.price_per_second), problem)
