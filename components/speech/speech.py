"""A typed script → a voice file: the checks and the cost before anything is rendered, and the offline voice.

The offline engine is espeak-ng, run on this machine: free, no key, robotic. Its WAV never touches the disk:
it is read from espeak's output and kept as MP3, a tenth of the size (free work must stay small). The fal
engines live in components/backends/fal_speech.py and are re-exported here, so callers import speech from one
place.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import soundfile

from components.backends.fal_speech import download_speech, speak_on_fal, speech_arguments
from components.errors import InputRejected, StudioError
from components.inputs.audio import encode_mp3
from components.inputs.text import check_characters

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.backends.fal_speech import FalSpeech
    from components.config.tts_settings import TtsEngine

__all__ = [
    "FalSpeech",
    "SpeechFailed",
    "check_script",
    "download_speech",
    "script_cost",
    "speak_offline",
    "speak_on_fal",
    "speech_arguments",
    "spoken_seconds",
]

ESPEAK = "espeak-ng"
ESPEAK_WORDS_PER_MINUTE = 150  # espeak's default rate; the estimate below was measured at it
ESPEAK_TIMEOUT_SECONDS = 30  # a minute of speech renders in well under a second here
# Hard cap for the offline voice whatever the catalog says: espeak's run time grows with the text.
ESPEAK_MAX_CHARS = 20_000

# Measured with espeak-ng 1.51 (`-v en-us -s 150`) on seven English passages of 86–293 characters:
# seconds ≈ characters / 17 + 0.42 per pause mark (a run of . , ; : ! ?) + 0.39 per digit, within
# ±1.5 s; plain prose alone ran 12.8–15.8 characters per second. Digits and pauses matter: "In 2024,
# revenue grew by 37%" speaks at half the rate of prose. The engine's `chars_per_second` (15 by
# default, slower than measured) and the rounded-up weights over-estimate a little on purpose: a
# script refused here would at best have just fitted, while one let through too long would be
# rendered (and, on fal, paid for) only to be refused as audio. Checked against espeak on 86–959
# characters: the estimate came out 1% under to 14% over.
_PAUSE_SECONDS = 0.45
_DIGIT_SECONDS = 0.4
_PAUSES = re.compile(r"[.,;:!?]+")
# espeak voice names (en-us, en-gb-scotland) and variants (en-us+f3); nothing that reads as an option.
_ESPEAK_VOICE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$")


class SpeechFailed(StudioError):
    """The offline voice could not be rendered on this machine."""


def check_script(text: str, engine: TtsEngine, voice_id: str, max_spoken_seconds: float) -> str:
    """The script as it will be spoken (trimmed), or InputRejected with a sentence naming the limit."""
    script = check_characters((text or "").strip(), "script")
    if not script:
        raise InputRejected("The script is empty. Type what the avatar should say.")
    if engine.voice(voice_id) is None:
        known = ", ".join(v.id for v in engine.voices)
        raise InputRejected(f"{engine.label} has no voice {voice_id!r}. Choose one of: {known}.")
    if len(script) > engine.max_chars:
        raise InputRejected(
            f"The script is too long for {engine.label}: {len(script):,} characters; "
            f"it takes at most {engine.max_chars:,}."
        )
    seconds = spoken_seconds(script, engine)
    if seconds > max_spoken_seconds:
        fitting = int(len(script) * max_spoken_seconds / seconds)
        raise InputRejected(
            f"The script would take about {seconds:.0f} s to speak, and the video can be at most "
            f"{max_spoken_seconds:g} s long. Shorten it to about {fitting:,} characters."
        )
    return script


def spoken_seconds(text: str, engine: TtsEngine) -> float:
    """A slightly generous estimate of how long `text` takes to say (see the measurements above)."""
    pauses = len(_PAUSES.findall(text))
    digits = sum(ch.isdigit() for ch in text)
    return len(text) / engine.chars_per_second + pauses * _PAUSE_SECONDS + digits * _DIGIT_SECONDS


def script_cost(text: str, engine: TtsEngine) -> float:
    """Dollars for speaking `text`: fal bills text-to-speech by the character."""
    return round(len(text) / 1000 * engine.price_per_1000_chars, 6)


def speak_offline(text: str, voice_id: str, target_dir: Path) -> Path:
    """Render `text` with espeak-ng into a new MP3 in `target_dir` (blocking: run it in a thread).

    The text goes through stdin, never the command line or a shell, so nothing in it can act as an
    option or a command; the run is bounded by a timeout.
    """
    if not _ESPEAK_VOICE.match(voice_id):
        raise InputRejected(f"{voice_id!r} is not an offline voice name.")
    if not text.strip() or len(text) > ESPEAK_MAX_CHARS:
        raise InputRejected(f"The offline voice speaks 1 to {ESPEAK_MAX_CHARS:,} characters at a time.")
    program = shutil.which(ESPEAK)
    if program is None:
        raise SpeechFailed("The offline voice is not installed on this server (espeak-ng is missing).")
    command = [program, "-v", voice_id, "-s", str(ESPEAK_WORDS_PER_MINUTE), "--stdout", "--stdin"]
    try:
        done = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, timeout=ESPEAK_TIMEOUT_SECONDS, check=True
        )
    except subprocess.TimeoutExpired:
        raise SpeechFailed(f"The offline voice took over {ESPEAK_TIMEOUT_SECONDS} s and was stopped.") from None
    except (subprocess.CalledProcessError, OSError) as exc:
        # espeak exits 1 for an unknown voice: the catalog names a voice this machine lacks.
        raise SpeechFailed(f"The offline voice failed ({type(exc).__name__}); try another voice.") from None
    samples, rate = _pcm_of(done.stdout)
    return encode_mp3(samples, rate, Path(target_dir) / f"script-{uuid.uuid4().hex[:12]}.mp3")


def _pcm_of(wav: bytes) -> tuple[bytes, int]:
    """espeak's mono 16-bit WAV (its header's sizes say "unknown": libsndfile reads to the end)."""
    try:
        samples, rate = soundfile.read(io.BytesIO(wav), dtype="int16", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError, TypeError):
        samples, rate = None, 0
    # A header alone (no samples): espeak writes nothing at all for text it finds unspeakable.
    if samples is None or not len(samples):
        raise SpeechFailed("The offline voice produced no audio for this script.")
    return samples[:, 0].tobytes(), rate
