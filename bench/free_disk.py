"""Free work's disk: offline voices of ~1,200 characters each through /speak, and how much the disk grew.

Counts what the app keeps of each: its spoken-scripts folder and Gradio's cache (Gradio's copy of every
file it shows). Before voices were kept as MP3, 40 of these grew the disk by 203 MB (a WAV of ~4 MB each,
plus Gradio's copy). The app runs in-process as the tests run it (tests/helpers.py), keyless (the offline
voice needs no key), with the free-work limit off (every call comes from this one address) and a
Gradio cache of its own. Run: `.venv/bin/python -m bench.free_disk [--voices 40]` (about a minute).
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="bench-free-disk-gradio-"))

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from gradio.utils import get_upload_folder
from gradio_client import Client

from tests.helpers import fast_settings, running_app

PROSE = (
    "Good morning, and welcome to the studio. Today we look at how a small team can ship a careful product "
    "without burning out: plan the week on Monday, keep meetings short, write things down, and leave room "
    "for the unexpected. "
)


def script(number: int, characters: int = 1200) -> str:
    """A different script each time, as visitors would type, of about `characters` characters."""
    text = f"Script {number}. "
    while len(text) < characters:
        text += PROSE
    return text[:characters].rsplit(" ", 1)[0] + "."


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


@dataclass(frozen=True)
class Grown:
    voices: int
    characters: int
    speech_bytes: int  # the app's spoken-scripts folder
    cache_bytes: int  # Gradio's cache: its copy of each voice
    seconds: float

    @property
    def total_mb(self) -> float:
        return (self.speech_bytes + self.cache_bytes) / 1e6

    def describe(self) -> str:
        return (
            f"{self.voices} offline voices of {self.characters:,} characters each grew the disk by "
            f"{self.total_mb:.1f} MB (spoken scripts {self.speech_bytes / 1e6:.1f} MB, Gradio's copies "
            f"{self.cache_bytes / 1e6:.1f} MB) in {self.seconds:.0f} s"
        )


def speak_many(url: str, speech: Path, cache: Path, voices: int) -> Grown:
    """`voices` calls of /speak with the free offline voice; what the speech folder and Gradio's cache gained."""
    client = Client(url, verbose=False, download_files=False)  # the caller's copies are not the app's disk
    before = folder_bytes(speech), folder_bytes(cache)
    started = time.monotonic()
    texts = [script(number) for number in range(voices)]
    for text in texts:
        client.predict(text, "espeak:en-us", "", api_name="/speak")
    speech_bytes, cache_bytes = folder_bytes(speech) - before[0], folder_bytes(cache) - before[1]
    characters = round(sum(map(len, texts)) / len(texts))
    return Grown(voices, characters, speech_bytes, cache_bytes, time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=40)
    voices = parser.parse_args().voices
    videos = Path(tempfile.mkdtemp(prefix="bench-free-disk-")) / "videos"
    with running_app(fast_settings(), None, videos) as url:
        grown = speak_many(url, videos / "speech", Path(get_upload_folder()), voices)
    met = "yes" if grown.total_mb <= 100 * voices / 40 else "**no**"
    print("| figure | value | target | met |")
    print("|---|---|---|---|")
    print(
        f"| {grown.voices} offline voices through /speak: disk growth | {grown.describe()} | ≤ 100 MB per 40 | {met} |"
    )


if __name__ == "__main__":
    main()
