"""Audio checks and conversion (no gradio): the header first (audio_probe.py), refused when it asks too much;
then one bounded decode (at most `max_seconds + 1` s of 24 kHz mono 16-bit); LAME encodes the upload."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import lameenc
import numpy as np
from pydub import AudioSegment

from components.errors import InputRejected
from components.inputs.audio_probe import AudioInfo, check_duration, check_header, probe_audio, probe_header
from components.inputs.pcm import decode_in_process
from components.inputs.split import plan_cuts

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import AudioLimits

__all__ = [
    "AudioInfo",
    "Voice",
    "check_duration",
    "check_header",
    "compressed_voice",
    "decode_voice",
    "encode_mp3",
    "part_lengths",
    "prepare_audio",
    "probe_audio",
    "probe_header",
]

# Speech for lip sync: 24 kHz mono MP3 at 64 kbit/s keeps every consonant and is
# about a tenth of the browser's 44.1 kHz 16-bit microphone WAV.
UPLOAD_FORMAT = "mp3"
UPLOAD_SAMPLE_RATE = 24000
UPLOAD_KBITS = 64
# Below this peak level a clip has no voice to lip-sync to.
SILENCE_DBFS = -60.0
# A header that disagrees with the decoded audio by more than this marks a truncated file.
_HEADER_TOLERANCE_SECONDS = 0.5
# A minute of speech decodes in well under a second; a file that keeps ffmpeg longer is hostile.
_DECODE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Voice:
    """The checked voice: `parts` are the files sent to fal — one, or a long narration cut at its pauses."""

    whole: AudioInfo
    parts: tuple[AudioInfo, ...]

    @property
    def path(self) -> Path:
        return self.whole.path

    @property
    def seconds(self) -> float:
        return self.whole.seconds

    @property
    def size_bytes(self) -> int:
        return self.whole.size_bytes

    @property
    def container(self) -> str:
        return self.whole.container


def prepare_audio(path: str | Path, limits: AudioLimits, workdir: Path, info: AudioInfo | None = None) -> Voice:
    """Check the clip against the limits and return what fal accepts.

    The clip is decoded once here (never in the live estimate): that finds
    silence and files whose header misstates their length (a truncated file
    is shorter; a crafted one may be far longer, but decodes to at most
    `max_seconds + 1` s and so is refused as too long).
    WAV is always re-encoded (the browser's microphone WAV is ten times larger
    than it needs to be); formats fal refuses (webm, flac…) are converted;
    anything else is sent as it is, under a name whose extension matches its
    content, because fal_client derives the upload's MIME type from the name.
    `info` is the file's probe when the caller already has it (an ffprobe run is not repeated).
    """
    info = info or probe_audio(path)
    check_header(info, limits)
    segment = decode_voice(info, limits.max_total_seconds + 1)
    if segment.max_dBFS < SILENCE_DBFS:
        raise InputRejected("The audio is silent. Upload or record a clip in which someone speaks.")
    decoded_seconds = len(segment) / 1000
    check_duration(replace(info, seconds=decoded_seconds), limits)
    if decoded_seconds > limits.max_seconds:
        return Voice(replace(info, seconds=decoded_seconds), _split(segment, limits, workdir))
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
    return Voice(prepared, (prepared,))


def part_lengths(info: AudioInfo, limits: AudioLimits) -> list[float]:
    """The seconds of each part a narration would be cut into (for the estimate; nothing is encoded)."""
    segment = decode_voice(info, limits.max_total_seconds + 1)
    samples = np.frombuffer(segment.raw_data, dtype=np.int16)
    cuts = plan_cuts(samples, UPLOAD_SAMPLE_RATE, limits.min_seconds, limits.max_seconds)
    return [(end - start) / UPLOAD_SAMPLE_RATE for start, end in cuts]


def _split(segment: AudioSegment, limits: AudioLimits, workdir: Path) -> tuple[AudioInfo, ...]:
    """A narration longer than Kling takes, as MP3 parts cut at its pauses (split.py)."""
    samples = np.frombuffer(segment.raw_data, dtype=np.int16)
    cuts = plan_cuts(samples, UPLOAD_SAMPLE_RATE, limits.min_seconds, limits.max_seconds)
    return tuple(
        _export(_pcm_segment(samples[start:end].tobytes()), workdir, f"voice-part{number}")
        for number, (start, end) in enumerate(cuts, start=1)
    )


def decode_voice(info: AudioInfo, max_seconds: float) -> AudioSegment:
    """In-process for WAV and AIFF (pcm.py); else ffmpeg straight to 24 kHz mono s16le,
    at most `max_seconds` of it (~2.9 MB for a minute).

    Not pydub's `from_file`: it reads a WAV wholly into memory at its own rate and
    channel count (8 channels at 384 kHz is 6 MB a second) and cannot stop at a
    duration, so a header that lies about the length could make it decode anything.
    """
    pcm = decode_in_process(info, max_seconds, UPLOAD_SAMPLE_RATE)
    if pcm is not None:
        return _pcm_segment(pcm)
    command = [AudioSegment.converter, "-nostdin", "-loglevel", "error", "-f", info.demuxer, "-i", str(info.path)]
    command += ["-map", "0:a:0", "-t", f"{max_seconds:g}", "-ac", "1", "-ar", str(UPLOAD_SAMPLE_RATE)]
    command += ["-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=_DECODE_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise InputRejected("The audio file took too long to decode. It may be damaged.") from None
    if done.returncode != 0 or not done.stdout:
        raise InputRejected("The audio file could not be decoded. It may be damaged or truncated.")
    return _pcm_segment(done.stdout[: len(done.stdout) // 2 * 2])


def _pcm_segment(pcm: bytes) -> AudioSegment:
    return AudioSegment(data=pcm, sample_width=2, frame_rate=UPLOAD_SAMPLE_RATE, channels=1)


def encode_mp3(pcm: bytes, rate: int, target: Path) -> Path:
    """Mono 16-bit PCM → MP3 through LAME in-process: an ffmpeg run per clip cost more CPU than the encoding."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(UPLOAD_KBITS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(5)  # LAME's default: clean speech at a third of the CPU of its "high quality" 2
    target.write_bytes(bytes(encoder.encode(pcm) + encoder.flush()))
    return target


def compressed_voice(path: Path) -> Path:
    """A spoken WAV as an MP3 beside it, the WAV removed (a tenth of the disk); anything else as it is.
    A WAV that cannot be read is left for the checks before a video to explain."""
    if path.suffix.lower() != ".wav":
        return path
    try:
        info = probe_audio(path)
    except InputRejected:
        return path
    pcm = decode_in_process(info, info.seconds + 1, UPLOAD_SAMPLE_RATE)  # the whole voice: never cut here
    if pcm is None:
        return path
    target = encode_mp3(pcm, UPLOAD_SAMPLE_RATE, path.with_suffix(f".{UPLOAD_FORMAT}"))
    path.unlink(missing_ok=True)
    return target


def _export(segment: AudioSegment, workdir: Path, name: str = "voice") -> AudioInfo:
    target = encode_mp3(segment.raw_data, UPLOAD_SAMPLE_RATE, workdir / f"{name}.{UPLOAD_FORMAT}")
    return AudioInfo(
        path=target, seconds=len(segment) / 1000, container=UPLOAD_FORMAT, size_bytes=target.stat().st_size
    )


def _renamed_copy(info: AudioInfo, workdir: Path) -> AudioInfo:
    if info.path.suffix.lower().lstrip(".") == info.container:
        return info
    target = workdir / f"voice.{info.container}"
    shutil.copyfile(info.path, target)
    return replace(info, path=target)
