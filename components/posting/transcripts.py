"""A recorded or uploaded voice's captions: its words heard by fal's speech-to-text, paid like a voice, once.

The money follows the rules every paid call follows, from the places that hold them: the caller's `Payer`
(studio.payer) reserves the `Spend` in the ledger — sign-in rule and caps on the owner's key, nothing on a
visitor's own — before the voice is uploaded; the reservation is told before the submit that fal may now
have the job (from then on it is never released), then fal's request id; after, it is settled at the cost
by the audio's length. Without any fal key the caller gets a sentence and nothing is spent. The transcript
is kept beside the video's other files, so asking again for the same video never pays again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.errors import InputRejected, MissingKey, StudioError
from components.posting.cues import from_chunks
from components.posting.media import extract_voice
from components.spending.payer import Spend
from components.spending.pricing import format_cost, transcription_cost

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.captions_settings import CaptionsSettings
    from components.posting.cues import Cue
    from components.spending.payer import Payer

SERVICE = "fal's speech-to-text"
NEEDS_KEY = (
    f"Captions for a recorded or uploaded voice need a fal key: its words are heard by {SERVICE}, which is paid. "
    "Paste your own key into “Your fal key”, or type the words the voice says as the script (then they are free)."
)
BUSY = "This voice is being transcribed already: press Make captions again in a moment (it is not paid twice)."
# A claim older than this was left by a process that died mid-call: the transcription has long ended.
STALE_CLAIM_SECONDS = 900


@dataclass(frozen=True)
class Heard:
    cues: tuple[Cue, ...]
    seconds: float
    dollars: float
    request_id: str | None
    again: bool = False  # from the kept transcript: nothing was paid this time

    def describe(self) -> str:
        heard = f"Captions from the voice: {self.seconds:.0f} s → {format_cost(self.dollars)} on {SERVICE}"
        if self.again:
            return f"{heard}, paid before (request id {self.request_id}): nothing paid again."
        return f"{heard} (request id {self.request_id})."


@dataclass(frozen=True)
class Transcripts:
    settings: CaptionsSettings
    backend: Any = field(repr=False)  # the backend that has `transcribe` and `has_key`, or None
    folder: Path = field(repr=False)

    def spend(self, seconds: float) -> Spend:
        cost = transcription_cost(seconds, self.settings.price_per_minute, self.settings.rounding)
        return Spend(self.settings.endpoint, True, dollars=cost)

    def quote(self, stem: str, seconds: float, payer: Payer) -> str:
        """What Make captions would spend on this voice, and on whose key — or why it would not."""
        kept = self._kept(stem, seconds)
        if kept is not None:
            return kept.describe().replace("nothing paid again", "free now")  # the same words, once paid
        if self.backend is None or not self.backend.has_key(payer.key):
            return NEEDS_KEY
        spend = self.spend(seconds)
        try:
            payer.check([spend])
        except StudioError as refused:
            return str(refused)
        whose = "on your fal key" if not payer.owner_pays else "on the app's key, within today's allowance"
        return f"Captions from the voice: {seconds:.0f} s → {format_cost(spend.dollars)} on {SERVICE} ({whose}), once."

    async def heard(self, video: Path, stem: str, seconds: float, payer: Payer) -> Heard:
        """The voice's words as cues: the kept transcript, else fal's, paid by `payer`."""
        kept = self._kept(stem, seconds)
        if kept is not None:
            return kept
        if self.backend is None or not self.backend.has_key(payer.key):
            raise MissingKey(NEEDS_KEY)
        with self._claim(stem):
            kept = self._kept(stem, seconds)  # the call that held the claim may have just finished
            if kept is not None:
                return kept
            voice = await asyncio.to_thread(extract_voice, video, self.folder / f".{stem}.voice.mp3", seconds)
            try:
                return await self._paid(voice, stem, seconds, payer)
            finally:
                voice.unlink(missing_ok=True)

    async def _paid(self, voice: Path, stem: str, seconds: float, payer: Payer) -> Heard:
        spend = self.spend(seconds)
        ((reservation,),) = payer.reserve([spend])
        saw = reservation.saw if reservation is not None else (lambda _progress: None)
        arguments = {"task": "transcribe", "chunk_level": "segment", "language": self.settings.language}
        try:
            transcript = await self.backend.transcribe(self.settings.endpoint, voice, arguments, payer.key, saw)
        except BaseException as exc:
            if reservation is not None:
                reservation.ended_without_video(exc)
            raise
        if reservation is not None:
            reservation.ledger.settle(reservation.row, seconds, spend.dollars)
        kept = {"request_id": transcript.request_id, "dollars": spend.dollars, "chunks": transcript.chunks}
        write_whole(self.folder / f"{stem}.transcript.json", json.dumps(kept))
        return Heard(tuple(from_chunks(transcript.chunks, seconds)), seconds, spend.dollars, transcript.request_id)

    def _kept(self, stem: str, seconds: float) -> Heard | None:
        try:
            kept = json.loads((self.folder / f"{stem}.transcript.json").read_text(encoding="utf-8"))
            chunks = [(float(a), None if b is None else float(b), str(text)) for a, b, text in kept["chunks"]]
            cues = tuple(from_chunks(chunks, seconds))
            return Heard(cues, seconds, float(kept["dollars"]), str(kept["request_id"]), again=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @contextlib.contextmanager
    def _claim(self, stem: str) -> Iterator[None]:
        """One transcription of a video at a time, across sessions and processes: a second caller waits its turn."""
        self.folder.mkdir(parents=True, exist_ok=True)
        claim = self.folder / f".{stem}.transcribing"
        with contextlib.suppress(OSError):
            if time.time() - claim.stat().st_mtime > STALE_CLAIM_SECONDS:
                claim.unlink()
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            raise InputRejected(BUSY) from None
        try:
            yield
        finally:
            claim.unlink(missing_ok=True)


def write_whole(path: Path, text: str) -> None:
    """Whole or not at all: a reader never sees half a file."""
    partial = path.with_name(f".{path.name}")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
