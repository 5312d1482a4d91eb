"""Save before paying: a voice's long silences shortened (silences.py), priced by the one rule before any click.

The offer is worked out like the estimate — nothing is written, nothing counted — from the clip the page
holds and the chosen model with its options: the estimate of the clip as recorded (the page's own figure)
beside the estimate of the clip as it would be trimmed. Trimming is free local work: it counts against the
visitor's free work, and the trimmed clip is a WAV in the spoken voices' folder, under the disk budget.
A WAV, so its length is exactly the kept samples: its estimate is the one the offer showed (an MP3's
header would read its encoder padding too). The cut itself is pydub's, on the voice's 24 kHz decode.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydub import AudioSegment

from components.errors import InputRejected
from components.inputs.audio import UPLOAD_SAMPLE_RATE, check_header, decode_voice, probe_audio
from components.inputs.silences import LONG_PAUSE_SECONDS, NATURAL_PAUSE_SECONDS, SilencePlan, plan_silences
from components.inputs.split import plan_cuts
from components.spending.pricing import format_cost, format_saving, model_estimate

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.models import Model
    from components.config.settings import AudioLimits
    from components.spending.identity import Visitor
    from components.spending.pricing import Estimate
    from components.studio import Studio

TRIMMED_PREFIX = "trimmed-"


@dataclass(frozen=True)
class TrimOffer:
    plan: SilencePlan
    before: Estimate  # the clip as recorded: the page's estimate
    after: Estimate  # the clip trimmed, by the same rule
    model: Model = field(repr=False)

    @property
    def saving(self) -> str:
        return format_saving(self.before.dollars, self.after.dollars)

    def button(self) -> str:
        """E.g. "Trim 4.2 s of silence — save $0.46"."""
        removed = f"Trim {self.plan.removed_seconds:.1f} s of silence"
        if self.before.price_per_second == 0:
            return f"{removed} — a shorter video (this model is free)"
        if self.after.billed_seconds == self.before.billed_seconds:
            return f"{removed} — a shorter video (the same {self.before.billed_seconds:g} s billed)"
        return f"{removed} — save {self.saving}"

    def both(self) -> str:
        """The estimate as recorded and as trimmed, for the line under the page's estimate."""
        return (
            f"✂️ This voice has {self.plan.silences()}. **As recorded:** {self.before.describe()} · "
            f"**trimmed** (each long silence cut to a natural {NATURAL_PAUSE_SECONDS:g} s pause or less): "
            f"{self.after.describe()}."
        )

    def summary(self) -> str:
        """One line for the page and the API, once trimmed."""
        said = (
            f"✂️ Trimmed {self.plan.removed_seconds:.1f} s of silence ({self.plan.silences()}): "
            f"{self.plan.total / self.plan.rate:.1f} s → {self.plan.kept_seconds:.1f} s"
        )
        if self.before.price_per_second == 0:
            return f"{said}; {self.model.label} is free either way."
        before, after = format_cost(self.before.dollars), format_cost(self.after.dollars)
        return f"{said}; on {self.model.label} {before} → {after}, saving {self.saving}."


NOTHING_TO_TRIM = (
    f"Nothing worth trimming: no pause over {LONG_PAUSE_SECONDS:g} s and no long lead-in or tail. "
    "The voice is unchanged."
)


class SilenceMemo:
    """The last few clips' silence plans, by file and audio limits: the offer follows every change of model
    or options, and a script may ask it again and again, but a clip is decoded for it once."""

    def __init__(self, max_entries: int = 32) -> None:
        self._found: OrderedDict[tuple, tuple[SilencePlan, list[float]]] = OrderedDict()
        self._max, self._lock = max_entries, threading.Lock()

    def get(self, key: tuple) -> tuple[SilencePlan, list[float]] | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: tuple, found: tuple[SilencePlan, list[float]]) -> None:
        with self._lock:
            self._found[key] = found
            while len(self._found) > self._max:
                self._found.popitem(last=False)


@dataclass(frozen=True)
class Trimming:
    studio: Studio = field(repr=False)
    memo: SilenceMemo = field(default_factory=SilenceMemo, repr=False)  # the page's handlers keep one

    async def offer(self, audio: str | None, endpoint: str, options: object = None) -> TrimOffer | None:
        """What trimming would save on this model, or None when the clip has no silence worth it. Free, and
        counted nowhere, like the estimate; a clip Generate would refuse is refused with the estimate's reason."""
        if not audio:
            return None
        model = self.studio.preflight.model_for(endpoint, options)
        quote = await self.studio.preflight.estimate(audio, endpoint, options)
        if quote.problem:
            raise InputRejected(quote.problem)
        plan, parts = await self._planned(audio, model.limits.audio)
        if not plan.worth or plan.kept_seconds < model.limits.audio.min_seconds:
            return None
        return TrimOffer(plan, quote.estimate, model_estimate(model, parts), model)

    async def _planned(self, audio: str, limits: AudioLimits) -> tuple[SilencePlan, list[float]]:
        """The clip's silences and, trimmed, the lengths the estimate would bill: from the memo when known."""
        stat = os.stat(audio)
        key = (audio, stat.st_mtime_ns, stat.st_size, limits.min_seconds, limits.max_seconds, limits.max_total_seconds)
        found = self.memo.get(key)
        if found is None:
            plan, trimmed = await asyncio.to_thread(_plan, audio, limits)
            parts = await asyncio.to_thread(_trimmed_parts, limits, trimmed) if plan.worth else []
            found = (plan, parts)
            self.memo.put(key, found)
        return found

    async def trim(self, audio: str | None, endpoint: str, options: object, visitor: Visitor) -> tuple[Path, str]:
        """The trimmed clip and a line saying what went and what it saves; the clip itself when nothing
        is worth trimming, with a sentence saying so."""
        if not audio:
            raise InputRejected("Add a voice clip to trim (upload, record, or speak a script).")
        self.studio.free_work.take(visitor.id)  # before any decoding, as for every free action
        offer = await self.offer(audio, endpoint, options)
        if offer is None:
            return Path(audio), NOTHING_TO_TRIM
        videos = next(iter(self.studio.backends.values())).output_dir  # the spoken voices' folder beside it
        _, trimmed = await asyncio.to_thread(_plan, audio, offer.model.limits.audio)
        target = await asyncio.to_thread(_write, trimmed, videos / "speech")
        await asyncio.to_thread(self.studio.disk.sweep)
        return target, offer.summary()


def _plan(audio: str, limits: AudioLimits) -> tuple[SilencePlan, AudioSegment]:
    """The clip's silences on the same 24 kHz decode Generate sends, and the clip without them (pydub's cut)."""
    info = probe_audio(audio)
    check_header(info, limits)
    voice = decode_voice(info, limits.max_total_seconds + 1)
    plan = plan_silences(np.frombuffer(voice.raw_data, dtype=np.int16), UPLOAD_SAMPLE_RATE)
    pieces = [voice.get_sample_slice(start, end) for start, end in plan.keep]
    return plan, sum(pieces[1:], pieces[0])


def _trimmed_parts(limits: AudioLimits, trimmed: AudioSegment) -> list[float]:
    """As the estimate reads the trimmed WAV: its length, or a narration's parts cut at its pauses."""
    seconds = len(trimmed.raw_data) / 2 / UPLOAD_SAMPLE_RATE
    if seconds <= limits.max_seconds:
        return [seconds]
    samples = np.frombuffer(trimmed.raw_data, dtype=np.int16)
    cuts = plan_cuts(samples, UPLOAD_SAMPLE_RATE, limits.min_seconds, limits.max_seconds)
    return [(end - start) / UPLOAD_SAMPLE_RATE for start, end in cuts]


def _write(trimmed: AudioSegment, folder: Path) -> Path:
    """Named by its sound: the same trim twice is one file. Written whole, then renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{TRIMMED_PREFIX}{hashlib.sha256(trimmed.raw_data).hexdigest()[:16]}.wav"
    if not target.is_file():
        partial = folder / f".{target.name}"
        trimmed.export(partial, format="wav")
        os.replace(partial, target)
    return target
