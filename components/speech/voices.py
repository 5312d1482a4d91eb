"""A typed script → a voice clip, before any video: the catalog, the combined quote, and speaking it.

Voices come from space.yaml's `tts:` catalog and are named `<engine>:<voice>` (e.g.
`espeak:en-us`, `fal-ai/kokoro/american-english:af_heart`). The offline voice renders on
this machine; a fal voice runs on fal with the visitor's key or, within the owner's caps, the
app's (its cost reserved in the ledger like a video's). The spoken file then goes through the
same checks and conversion as an uploaded clip. Voices are kept as MP3, never WAV (a tenth of the disk),
swept with everything else under the disk budget; the offline voice counts as the visitor's free work.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.errors import InputRejected
from components.history.storage import DiskBudget
from components.inputs.audio import compressed_voice
from components.speech.speech import check_script, script_cost, speak_offline, spoken_seconds
from components.spending.free_work import FreeWork
from components.spending.payer import Spend
from components.spending.pricing import format_cost, model_estimate

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import Model, Settings
    from components.config.tts_settings import TtsEngine
    from components.spending.budget import Reservation
    from components.spending.ledger import Ledger
    from components.spending.payer import Payer
    from components.spending.pricing import Estimate


@dataclass(frozen=True)
class ScriptQuote:
    characters: int
    script_dollars: float
    video: Estimate  # from the script's estimated spoken length

    @property
    def total(self) -> float:
        return self.script_dollars + self.video.dollars

    def describe(self, engine: TtsEngine) -> str:
        voice = "Free" if not engine.paid else f"{self.characters:,} characters = {format_cost(self.script_dollars)}"
        total = f"Total ≈ {format_cost(self.total)}" if self.total else "Total: Free"
        return (
            f"Voice: {voice} · Video: about {self.video.describe()} · **{total}** "
            "(the video is billed from the spoken length, known once it is spoken)"
        )


@dataclass(frozen=True)
class Script:
    """A typed script to speak as a video's voice."""

    text: str
    voice: str


@dataclass(frozen=True)
class Spoken:
    path: Path
    cost: float
    request_id: str | None


@dataclass(frozen=True)
class Voices:
    settings: Settings
    speaker: Any = field(repr=False)  # the backend that speaks on fal (has `speak` and `has_key`)
    ledger: Ledger = field(repr=False)
    folder: Path = field(repr=False)
    disk: DiskBudget = field(default_factory=DiskBudget, repr=False)
    free_work: FreeWork = field(default_factory=FreeWork, repr=False)

    def choices(self) -> list[tuple[str, str]]:
        return [
            (f"{engine.label} — {voice.label}", f"{engine.id}:{voice.id}")
            for engine in self.settings.tts
            for voice in engine.voices
        ]

    def resolve(self, voice_ref: str | None) -> tuple[TtsEngine, str]:
        engine_id, _, voice_id = (voice_ref or "").rpartition(":")
        for engine in self.settings.tts:
            if engine.id == engine_id and engine.voice(voice_id) is not None:
                return engine, voice_id
        known = ", ".join(ref for _, ref in self.choices()[:4])
        raise InputRejected(f"Unknown voice {voice_ref!r}. Choose a catalog voice, e.g. {known}.")

    def quote(self, text: str, voice_ref: str, model: Model) -> ScriptQuote:
        engine, voice_id = self.resolve(voice_ref)
        script = check_script(text, engine, voice_id, model.limits.audio.max_total_seconds)
        seconds, longest = spoken_seconds(script, engine), model.limits.audio.max_seconds
        parts = math.ceil(seconds / longest)  # a narration over the model's maximum runs as parts (cut at pauses)
        video = model_estimate(model, [seconds / parts] * parts)
        return ScriptQuote(len(script), script_cost(script, engine), video)

    def spend(self, text: str, voice_ref: str, model: Model) -> Spend:
        """What speaking this script would buy at fal (checked first: a refusal spends nothing)."""
        engine, voice_id = self.resolve(voice_ref)
        script = check_script(text, engine, voice_id, model.limits.audio.max_total_seconds)
        return Spend(engine.id, engine.paid and script_cost(script, engine) > 0, dollars=script_cost(script, engine))

    async def speak(
        self, text: str, voice_ref: str, payer: Payer, model: Model, reservation: Reservation | None = None
    ) -> Spoken:
        """Check the script locally first, then speak it. On the owner's key it is reserved by the payer
        (sign-in rule and caps) unless the caller reserved it already, with a video, in one step."""
        engine, voice_id = self.resolve(voice_ref)
        script = check_script(text, engine, voice_id, model.limits.audio.max_total_seconds)
        spend = self.spend(text, voice_ref, model)
        if reservation is None:
            (reservation,) = payer.reserve([spend])[0]
        if not engine.paid:  # free, so bounded per visitor instead (before anything is rendered)
            self.free_work.take(payer.visitor.id)
        self.folder.mkdir(parents=True, exist_ok=True)
        if engine.paid:
            spoken = await self._on_fal(engine, script, voice_id, payer.key, reservation)
        else:
            spoken = Spoken(await asyncio.to_thread(speak_offline, script, voice_id, self.folder), 0.0, None)
        await asyncio.to_thread(self.disk.sweep)  # the new voice is the newest file: older ones go first
        return spoken

    async def _on_fal(
        self, engine: TtsEngine, script: str, voice_id: str, key: str | None, reservation: Reservation | None
    ) -> Spoken:
        cost = script_cost(script, engine)
        try:
            path, request_id = await self.speaker.speak(engine, script, voice_id, key, self.folder)
        except BaseException as exc:
            if reservation is not None:
                reservation.ended_without_video(exc)
            raise
        if reservation is not None:
            self.ledger.accepted(reservation.row, request_id)
            self.ledger.settle(reservation.row, 0.0, cost)
        return Spoken(await asyncio.to_thread(compressed_voice, path), cost, request_id)

    async def speak_for_video(
        self, script: Script, payer: Payer, model: Model, video_paid: bool
    ) -> tuple[Spoken, list[int]]:
        """A typed script's voice and an estimate of its video, reserved in one step before a byte is spoken;
        the video's rows are returned held, for the job to exchange once the spoken clip is checked."""
        video = Spend(model.endpoint, video_paid, self.quote(script.text, script.voice, model).video)
        voice, held_video = payer.reserve([self.spend(script.text, script.voice, model), video])
        held = [reservation.row for reservation in held_video if reservation is not None]
        try:
            spoken = await self.speak(script.text, script.voice, payer, model, voice[0])
        except BaseException:
            for row in held:
                self.ledger.release(row)
            raise
        return spoken, held
