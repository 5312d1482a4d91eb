"""What was sent to fal, in the words a reader checks: sample rate, channels, bitrate."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

MIN_SAMPLE_RATE = 16000
MIN_BITRATE = 48000  # speech for lip sync: below this consonants smear


def _stream(path: Path) -> dict:
    report = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate,channels,bit_rate,codec_name",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(report.stdout)["streams"][0]


def describe_audio(path: Path) -> str:
    info = _stream(path)
    rate, kbits = int(info["sample_rate"]) / 1000, int(info["bit_rate"]) // 1000
    return f"{info['codec_name']} {rate:g} kHz, {info['channels']} ch, {kbits} kbit/s"


def quality_ok(path: Path) -> bool:
    info = _stream(path)
    return int(info["sample_rate"]) >= MIN_SAMPLE_RATE and int(info["bit_rate"]) >= MIN_BITRATE
