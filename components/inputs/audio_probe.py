"""What an audio file's header says, and the checks that need nothing more. Pure logic: no gradio.

Probing reads the container header with mutagen (about a millisecond) and only
falls back to an ffprobe run for containers mutagen does not know (webm, …),
so the live estimate never decodes a whole file. A header may lie; the decode
in audio.py is bounded regardless, and its length is checked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import mutagen
from pydub.utils import mediainfo_json

from components.errors import InputRejected

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import AudioLimits

# mutagen's class names → the extension fal understands for that content.
_MUTAGEN_CONTAINERS = {
    "MP3": "mp3",
    "EasyMP3": "mp3",
    "WAVE": "wav",
    "OggVorbis": "ogg",
    "OggOpus": "ogg",
    "OggFLAC": "ogg",
    "OggSpeex": "ogg",
    "MP4": "m4a",
    "EasyMP4": "m4a",
    "AAC": "aac",
    "FLAC": "flac",
    "AIFF": "aiff",
}
# What ffprobe may name for an upload: self-contained media files. Anything else (an HLS playlist,
# a concat list…) would make ffmpeg open other files or URLs — another visitor's upload as this voice.
_FFPROBE_CONTAINERS = {"matroska", "ogg", "mov", "wav", "w64", "flac", "mp3", "aac", "aiff", "caf", "mpegts"}


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    seconds: float
    container: str
    size_bytes: int
    channels: int | None = None  # None: the header does not say
    sample_rate: int | None = None

    @property
    def demuxer(self) -> str:
        """ffmpeg's name for the container: forcing it, ffmpeg cannot re-probe the file as a playlist."""
        return "mov" if self.container == "m4a" else self.container


def probe_header(path: str | Path) -> AudioInfo | None:
    """The header alone (about a tenth of a millisecond); None when only ffprobe can tell."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise InputRejected("The audio file is empty. Upload or record a voice clip.")
    try:
        parsed = mutagen.File(path)
    except Exception:
        # mutagen raises many types on garbage; ffprobe gets the final word.
        return None
    container = _MUTAGEN_CONTAINERS.get(type(parsed).__name__)
    stream = getattr(parsed, "info", None)
    length = getattr(stream, "length", 0) or 0
    if container is None or length <= 0:
        return None
    return AudioInfo(
        path=path,
        seconds=float(length),
        container=container,
        size_bytes=size,
        channels=getattr(stream, "channels", None),
        sample_rate=getattr(stream, "sample_rate", None),
    )


def probe_audio(path: str | Path) -> AudioInfo:
    """Duration and container from the header, or from an ffprobe run; `InputRejected` if unreadable."""
    info = probe_header(path)
    if info is not None:
        return info
    path = Path(path)
    info = _probe_with_ffprobe(path)
    if info is None:
        raise InputRejected("The audio file could not be read. Use an MP3, WAV, M4A, AAC, OGG, FLAC or WebM recording.")
    return info


def check_duration(info: AudioInfo, limits: AudioLimits) -> None:
    if info.seconds < limits.min_seconds:
        raise InputRejected(
            f"The audio is too short: {info.seconds:.1f} s. Kling needs at least {limits.min_seconds:g} s of audio."
        )
    if info.seconds > limits.max_total_seconds:  # longer than max_seconds is split into parts (split.py)
        raise InputRejected(
            f"The audio is too long: {info.seconds:.1f} s. The limit is {limits.max_total_seconds:g} s — trim the clip."
        )


def check_header(info: AudioInfo, limits: AudioLimits) -> None:
    """Everything the header can refuse, before a sample is decoded."""
    check_duration(info, limits)
    if info.channels is not None and info.channels > limits.max_channels:
        raise InputRejected(
            f"The audio has too many channels: {info.channels}. The limit is {limits.max_channels} — "
            "export it as mono or stereo."
        )
    if info.sample_rate is not None and info.sample_rate > limits.max_sample_rate:
        raise InputRejected(
            f"The audio's sample rate is too high: {info.sample_rate:,} Hz. "
            f"The limit is {limits.max_sample_rate:,} Hz — export it at 48 kHz or less."
        )


def _probe_with_ffprobe(path: Path) -> AudioInfo | None:
    try:
        report = mediainfo_json(str(path))
    except Exception:
        return None
    fmt = report.get("format", {})
    stream = next((s for s in report.get("streams", []) if s.get("codec_type") == "audio"), None)
    try:
        seconds = float(fmt.get("duration", 0))
        channels, rate = (int(stream[k]) if stream and stream.get(k) else None for k in ("channels", "sample_rate"))
    except (TypeError, ValueError):
        return None
    container = fmt.get("format_name", "unknown").split(",")[0]
    if stream is None or seconds <= 0 or container not in _FFPROBE_CONTAINERS:
        return None
    return AudioInfo(path, seconds, container, path.stat().st_size, channels=channels, sample_rate=rate)
