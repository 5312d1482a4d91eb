"""Decoding in-process where that is safe: WAV and AIFF through libsndfile, resampled by soxr.

These containers are always converted before they are sent, so what is sent is exactly what was
decoded here, and no ffmpeg process is started for them (the browser's microphone recording is a
WAV). MP3, OGG and FLAC are not decoded here: libsndfile trusts an MP3's Xing frame count and a
FLAC's STREAMINFO, so a file whose header understates its length would pass as short (and an MP3
be sent whole); ffmpeg decodes every frame. Memory stays bounded: a few seconds at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import soundfile
import soxr

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.inputs.audio_probe import AudioInfo


_ALWAYS_CONVERTED = {"wav", "aiff", "w64"}
_BLOCK_SECONDS = 5


def decode_in_process(info: AudioInfo, max_seconds: float, rate: int) -> bytes | None:
    """Mono 16-bit PCM at `rate`, at most `max_seconds` of it; None when ffmpeg must do it."""
    if info.container not in _ALWAYS_CONVERTED:
        return None
    try:
        with soundfile.SoundFile(info.path) as source:
            stream = soxr.ResampleStream(source.samplerate, rate, 1, dtype="float32")
            blocks = source.blocks(
                blocksize=source.samplerate * _BLOCK_SECONDS,
                dtype="float32",
                always_2d=True,
                frames=int(max_seconds * source.samplerate),
            )
            pieces = [stream.resample_chunk(block.mean(axis=1)) for block in blocks]
            pieces.append(stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
    except (soundfile.LibsndfileError, RuntimeError, ValueError, TypeError):
        return None  # ffmpeg reads more than libsndfile, and says so when it cannot either
    mono = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return (np.clip(mono, -1.0, 1.0) * 32767).astype("<i2").tobytes()
