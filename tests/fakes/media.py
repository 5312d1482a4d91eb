"""Small media files made on the spot, so the tests and the benchmark ship no binaries.

ffmpeg and espeak-ng are Debian packages here; without espeak-ng a tone stands in for speech.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

RATE = 44100


def tone_wav(path: Path, seconds: float, rate: int = RATE, freq: float = 220.0, channels: int = 1) -> Path:
    """A 16-bit PCM WAV, like the browser's microphone recordings."""
    t = np.arange(int(seconds * rate)) / rate
    # A syllable-like loudness envelope, so the audio is not silence.
    signal = 0.4 * np.sin(2 * np.pi * freq * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    samples = (signal * 32767).astype("<i2")
    if channels > 1:
        samples = np.repeat(samples[:, None], channels, axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def narration_wav(path: Path, seconds: float, rate: int = 24000, seed: int = 1) -> Path:
    """A long "voice": syllables (0.3–0.6 s) with short gaps, and a half-second pause now and then,
    as a sentence ends — so a cut can be checked to fall in a pause, not in a syllable."""
    rng, pieces, made = np.random.default_rng(seed), [], 0.0
    while made < seconds:
        count = int(rng.uniform(0.3, 0.6) * rate)
        syllable = np.sin(2 * np.pi * rng.uniform(140, 220) * np.arange(count) / rate) * np.hanning(count)
        gap = 0.5 if rng.random() < 0.08 else rng.uniform(0.05, 0.12)
        pieces += [syllable * 0.3, np.zeros(int(gap * rate))]
        made += count / rate + gap
    samples = (np.concatenate(pieces)[: int(seconds * rate)] * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def speech_wav(path: Path, text: str = "Hello! I am a talking avatar, made with Kling.") -> Path:
    """Real speech where espeak-ng exists, so audio checks see a voice rather than a pure tone."""
    if shutil.which("espeak-ng") is None:
        return tone_wav(path, 3.0)
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)
    return path


def ffmpeg_convert(source: Path, target: Path, *args: str) -> Path:
    """Re-encode `source` as `target` (format from its suffix), e.g. to test MP3 or AVIF uploads."""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), *args, str(target)], check=True)
    return target


def portrait(path: Path, size: tuple[int, int] = (512, 640), mode: str = "RGB", fmt: str | None = None) -> Path:
    """A cartoon face drawn with Pillow."""
    image = Image.new("RGB", size, (235, 225, 210))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse([w * 0.2, h * 0.15, w * 0.8, h * 0.85], fill=(240, 200, 160), outline=(90, 60, 40), width=4)
    for x in (0.38, 0.62):
        draw.ellipse([w * x - 18, h * 0.4 - 12, w * x + 18, h * 0.4 + 12], fill=(40, 40, 60))
    draw.arc([w * 0.35, h * 0.55, w * 0.65, h * 0.72], 20, 160, fill=(150, 40, 40), width=6)
    if mode != "RGB":
        image = image.convert(mode)
    image.save(path, format=fmt)
    return path


def probe_seconds(path: Path) -> float:
    """A media file's duration as ffprobe reports it: what fal bills and the fake model renders."""
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(json.loads(report.stdout)["format"]["duration"])
