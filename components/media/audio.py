"""Audio probing and conversion. Pure logic: no gradio.

Probing reads the container header with mutagen (about a millisecond) and only
falls back to an ffprobe run for containers mutagen does not know (webm, …),
so the live estimate never decodes a whole file. pydub decodes; LAME encodes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import lameenc
import mutagen
from pydub import AudioSegment
from pydub.utils import mediainfo_json

from components.errors import InputRejected
from components.settings import AudioLimits

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

# Speech for lip sync: 24 kHz mono MP3 at 64 kbit/s keeps every consonant and is
# about a tenth of the browser's 44.1 kHz 16-bit microphone WAV.
UPLOAD_FORMAT = "mp3"
UPLOAD_SAMPLE_RATE = 24000
UPLOAD_KBITS = 64
# Below this peak level a clip has no voice to lip-sync to.
SILENCE_DBFS = -60.0
# A header that disagrees with the decoded audio by more than this marks a truncated file.
_HEADER_TOLERANCE_SECONDS = 0.5


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    seconds: float
    container: str
    size_bytes: int


def probe_header(path: str | Path) -> AudioInfo | None:
    """The header alone (about a tenth of a millisecond); None when only ffprobe can tell."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise InputRejected("The audio file is empty. Upload or record a voice clip.")
    found = _probe_with_mutagen(path)
    return AudioInfo(path=path, seconds=found[0], container=found[1], size_bytes=size) if found else None


def probe_audio(path: str | Path) -> AudioInfo:
    """Duration and container from the header, or from an ffprobe run; `InputRejected` if unreadable."""
    info = probe_header(path)
    if info is not None:
        return info
    path = Path(path)
    found = _probe_with_ffprobe(path)
    if found is None or found[0] <= 0:
        raise InputRejected("The audio file could not be read. Use an MP3, WAV, M4A, AAC, OGG, FLAC or WebM recording.")
    seconds, container = found
    return AudioInfo(path=path, seconds=seconds, container=container, size_bytes=path.stat().st_size)


def check_duration(info: AudioInfo, limits: AudioLimits) -> None:
    if info.seconds < limits.min_seconds:
        raise InputRejected(
            f"The audio is too short: {info.seconds:.1f} s. Kling needs at least {limits.min_seconds:g} s of audio."
        )
    if info.seconds > limits.max_seconds:
        raise InputRejected(
            f"The audio is too long: {info.seconds:.1f} s. The limit is {limits.max_seconds:g} s — trim the clip."
        )


def prepare_audio(path: str | Path, limits: AudioLimits, workdir: Path) -> AudioInfo:
    """Check the clip against the limits and return a file fal accepts.

    The clip is decoded once here (never in the live estimate): that finds
    silence and truncated files whose header overstates their length.
    WAV is always re-encoded (the browser's microphone WAV is ten times larger
    than it needs to be); formats fal refuses (webm, flac…) are converted;
    anything else is sent as it is, under a name whose extension matches its
    content, because fal_client derives the upload's MIME type from the name.
    """
    info = probe_audio(path)
    check_duration(info, limits)
    segment = _decode(info)
    if segment.max_dBFS < SILENCE_DBFS:
        raise InputRejected("The audio is silent. Upload or record a clip in which someone speaks.")
    decoded_seconds = len(segment) / 1000
    check_duration(replace(info, seconds=decoded_seconds), limits)
    keep = (
        info.container in limits.formats
        and info.container != "wav"
        and info.size_bytes <= limits.max_bytes
        and abs(decoded_seconds - info.seconds) < _HEADER_TOLERANCE_SECONDS
    )
    prepared = _renamed_copy(info, workdir) if keep else _export(segment, workdir)
    if prepared.size_bytes > limits.max_bytes:
        raise InputRejected(
            f"The audio is too large: {prepared.size_bytes / 1e6:.1f} MB even after compression. "
            f"The limit is {limits.max_bytes / 1e6:g} MB."
        )
    return prepared


def _decode(info: AudioInfo) -> AudioSegment:
    try:
        return AudioSegment.from_file(info.path)
    except Exception:
        raise InputRejected("The audio file could not be decoded. It may be damaged or truncated.") from None


def _export(segment: AudioSegment, workdir: Path) -> AudioInfo:
    """MP3 through LAME in-process: an ffmpeg run per clip cost more CPU than the encoding itself."""
    target = workdir / f"voice.{UPLOAD_FORMAT}"
    pcm = segment.set_channels(1).set_frame_rate(UPLOAD_SAMPLE_RATE).set_sample_width(2)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(UPLOAD_KBITS)
    encoder.set_in_sample_rate(UPLOAD_SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)  # LAME's default: clean speech at a third of the CPU of its "high quality" 2
    target.write_bytes(bytes(encoder.encode(pcm.raw_data) + encoder.flush()))
    return AudioInfo(
        path=target, seconds=len(segment) / 1000, container=UPLOAD_FORMAT, size_bytes=target.stat().st_size
    )


def _renamed_copy(info: AudioInfo, workdir: Path) -> AudioInfo:
    if info.path.suffix.lower().lstrip(".") == info.container:
        return info
    target = workdir / f"voice.{info.container}"
    shutil.copyfile(info.path, target)
    return AudioInfo(path=target, seconds=info.seconds, container=info.container, size_bytes=info.size_bytes)


def _probe_with_mutagen(path: Path) -> tuple[float, str] | None:
    try:
        parsed = mutagen.File(path)
    except Exception:
        # mutagen raises many types on garbage; ffprobe gets the final word.
        return None
    container = _MUTAGEN_CONTAINERS.get(type(parsed).__name__)
    length = getattr(getattr(parsed, "info", None), "length", 0) or 0
    if container is None or length <= 0:
        return None
    return float(length), container


def _probe_with_ffprobe(path: Path) -> tuple[float, str] | None:
    try:
        report = mediainfo_json(str(path))
    except Exception:
        return None
    fmt = report.get("format", {})
    has_audio = any(s.get("codec_type") == "audio" for s in report.get("streams", []))
    try:
        seconds = float(fmt.get("duration", 0))
    except (TypeError, ValueError):
        return None
    if not has_audio or seconds <= 0:
        return None
    return seconds, fmt.get("format_name", "unknown").split(",")[0]
