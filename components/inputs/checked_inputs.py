"""Inputs checked once, whoever asks: the live estimate, the readiness line, Generate and Compare.

A voice is checked against a model's audio limits and a portrait against its image limits, each
decoded once per content and limits (check_cache.py); a refusal is remembered like a pass. The
prompt is only counted, so it is checked before anything is decoded and never causes a decode.
The face check's answer is kept with the portrait and `skip_face_check` applied when a job is
made, so ticking it decodes nothing again. Generate gets the files linked into its own folder,
which goes when its job ends, however the cache has changed since.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from components.errors import InputRejected
from components.inputs.audio import Voice, prepare_audio, probe_audio
from components.inputs.check_cache import CheckCache, digest
from components.inputs.jobs import Quote, assemble_job, check_prompt
from components.inputs.portrait import examine_portrait
from components.spending.pricing import estimate, estimate_parts

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import AudioLimits, ImageLimits, Model
    from components.inputs.audio import AudioInfo
    from components.inputs.check_cache import Found
    from components.inputs.jobs import Job
    from components.inputs.portrait import Portrait

# A portrait sent is at most 10 MB and usually well under 1; a voice (or a narration's parts) at most 5 MB.
MAX_ENTRIES = 64
MAX_BYTES = 256_000_000


@dataclass(frozen=True)
class CheckedVoice:
    header: AudioInfo | None  # what the file's header says; None when it could not be read at all
    voice: Voice | None  # the files to send; None when refused
    refusal: str | None = None


@dataclass(frozen=True)
class CheckedPortrait:
    portrait: Portrait | None  # None when refused
    refusal: str | None = None


class CheckedInputs:
    def __init__(self, decodes: asyncio.Semaphore, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._cache = CheckCache(decodes, max_entries, max_bytes)

    async def job(
        self,
        image: str | None,
        audio: str | None,
        prompt: str,
        model: Model,
        skip_face_check: bool = False,
        workdir: Path | None = None,
    ) -> Job:
        """The job Generate sends, or the refusal it would meet. With `workdir`, the job's files are its own
        there (the readiness line needs none: it only reads the estimate)."""
        if not image:
            raise InputRejected("Add a portrait image first (upload, webcam or paste).")
        if not audio:
            raise InputRejected("Add a voice clip first (upload or record with the microphone).")
        prompt = check_prompt(prompt, model.limits.prompt_max_chars)
        voice, portrait = await asyncio.gather(
            self.voice(audio, model.limits.audio, workdir and workdir / "voice"),
            self.portrait(image, model.limits.image, workdir and workdir / "portrait"),
        )
        for refusal in (voice.refusal, portrait.refusal):  # the voice's first, as it always was
            if refusal is not None:
                raise InputRejected(refusal)
        if portrait.portrait.no_face is not None and not skip_face_check:
            raise InputRejected(portrait.portrait.no_face)
        return assemble_job(model, portrait.portrait.path, portrait.portrait.note, voice.voice, prompt)

    async def quote(self, audio: str, model: Model) -> Quote:
        """The estimate from the checked voice: a narration's parts as Generate will cut them."""
        checked = await self.voice(audio, model.limits.audio)
        if checked.header is None:
            raise InputRejected(checked.refusal)
        if checked.voice is None:
            return Quote(estimate(checked.header.seconds, model.price_per_second), checked.refusal)
        return Quote(estimate_parts([part.seconds for part in checked.voice.parts], model.price_per_second), None)

    async def voice(self, audio: str, limits: AudioLimits, into: Path | None = None) -> CheckedVoice:
        key = ("voice", await asyncio.to_thread(digest, audio), limits)
        found = await self._cache.get(key, partial(_check_voice, Path(audio), limits), into)
        if found.value.voice is None:
            return found.value
        return replace(found.value, voice=_moved_voice(found.value.voice, found))

    async def portrait(self, image: str, limits: ImageLimits, into: Path | None = None) -> CheckedPortrait:
        key = ("portrait", await asyncio.to_thread(digest, image), limits)
        found = await self._cache.get(key, partial(_check_portrait, Path(image), limits), into)
        if found.value.portrait is None:
            return found.value
        return replace(found.value, portrait=replace(found.value.portrait, path=found.moved(found.value.portrait.path)))


def _check_voice(audio: Path, limits: AudioLimits, folder: Path) -> CheckedVoice:
    """In a worker thread: the header, then the one decode (prepare_audio)."""
    try:
        header = probe_audio(audio)
    except InputRejected as exc:
        return CheckedVoice(None, None, str(exc))
    try:
        voice = prepare_audio(audio, limits, folder, header)
    except InputRejected as exc:
        return CheckedVoice(header, None, str(exc))
    parts = tuple(_owned(part, folder) for part in voice.parts)
    # A narration's whole clip is never sent (its parts are): only a clip sent whole is kept here.
    return CheckedVoice(header, Voice(parts[0] if len(parts) == 1 else voice.whole, parts))


def _check_portrait(image: Path, limits: ImageLimits, folder: Path) -> CheckedPortrait:
    """In a worker thread: decoded, converted if need be, and looked at for a face, once."""
    try:
        portrait = examine_portrait(image, limits, folder)
    except InputRejected as exc:
        return CheckedPortrait(None, str(exc))
    sent = _owned_path(portrait.path, folder)
    for path in folder.iterdir():  # a crop leaves the uncropped conversion behind: only what is sent is kept
        if path != sent:
            path.unlink()
    return CheckedPortrait(replace(portrait, path=sent))


def _owned(info: AudioInfo, folder: Path) -> AudioInfo:
    return replace(info, path=_owned_path(info.path, folder))


def _owned_path(path: Path, folder: Path) -> Path:
    """A file sent as it came is copied into the entry: the upload may be deleted, or written over, later."""
    if path.parent == folder:
        return path
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


def _moved_voice(voice: Voice, found: Found) -> Voice:
    parts = tuple(replace(part, path=found.moved(part.path)) for part in voice.parts)
    return Voice(replace(voice.whole, path=found.moved(voice.whole.path)), parts)
