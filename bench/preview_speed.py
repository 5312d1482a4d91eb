"""How fast the local preview renders: seconds of video per second of wall time (target ≥ 4× real time).

Run: `.venv/bin/python -m bench.preview_speed` (about half a minute). The input is what the preview
backend gets for a phone photo: a real photograph, prepared as the app prepares one (a 3:4 JPEG, long
side 2048 px, quality 92), and ~9.5 s of a real recorded voice (examples/astronaut.mp3 three times over,
as a 128 kbit/s MP3; 8 s of espeak-ng speech where that file is missing). The photo: PREVIEW_PHOTO if
set, else the photograph in examples/ (astronaut.jpg), else scikit-image's astronaut when scikit-image
is installed. Prints each run (with its CPU time and the machine's load average, since other work on
the machine slows it), the median, the output resolution and whether the target was met.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

from bench.processes import ROOT
from bench.realistic_media import spoken_mp3
from components.backends.preview_render import render_preview
from components.inputs.faces import find_faces

TARGET = 4.0  # seconds of video per second of wall time
RUNS = 3
PREPARED_SIZE = (1536, 2048)  # a phone photo after prepare_image: 3:4, long side max_side_px_sent
DRAWINGS = {"person.png", "cat.png"}  # examples/ that are drawings, not photographs


def real_photo() -> Path:
    if os.environ.get("PREVIEW_PHOTO"):
        return Path(os.environ["PREVIEW_PHOTO"])
    for path in sorted((ROOT / "examples").iterdir()):
        if path.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"} and path.name not in DRAWINGS:
            return path
    spec = importlib.util.find_spec("skimage")
    if spec is not None and spec.origin is not None:
        return Path(spec.origin).parent / "data" / "astronaut.png"
    raise SystemExit("No photograph found: set PREVIEW_PHOTO to a portrait photo (JPEG or PNG).")


def prepared_photo(source: Path, target: Path) -> Path:
    """The photo cropped to 3:4 around its face and scaled to the prepared size, as a JPEG."""
    with Image.open(source) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    faces = find_faces(image)
    left, top, width, height = faces[0].box if faces else (0, 0, image.width, image.height)
    crop_w = min(image.width, round(image.height * 3 / 4))
    crop_h = round(crop_w * 4 / 3)
    x = min(max(round(left + width / 2 - crop_w / 2), 0), image.width - crop_w)
    y = min(max(round(top + height / 2 - crop_h / 2), 0), image.height - crop_h)
    crop = image.crop((x, y, x + crop_w, y + crop_h)).resize(PREPARED_SIZE, Image.Resampling.BICUBIC)
    crop.save(target, "JPEG", quality=92)
    return target


def spoken_voice(folder: Path) -> Path:
    """A real recorded voice three times over (~9.5 s), or 8 s of espeak-ng; the file's name says which."""
    recorded, target = ROOT / "examples" / "astronaut.mp3", folder / "recorded-voice-x3.mp3"
    if not recorded.exists():
        return spoken_mp3(folder / "espeak-voice.mp3", seconds=8.0)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-stream_loop", "2", "-i", str(recorded)]
        + ["-ar", "44100", "-ac", "1", "-b:a", "128k", str(target)],
        check=True,
    )
    return target


def resolution(video: Path) -> str:
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height,r_frame_rate"]
        + ["-of", "json", str(video)],
        check=True,
        capture_output=True,
        text=True,
    )
    stream = json.loads(report.stdout)["streams"][0]
    return f"{stream['width']}×{stream['height']} at {stream['r_frame_rate']} fps"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): a figure the machine's load does not change."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    source = real_photo()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        photo = prepared_photo(source, work / "photo.jpg")
        voice = spoken_voice(work)
        print(f"photo: {source.name} prepared as {PREPARED_SIZE[0]}×{PREPARED_SIZE[1]} JPEG; voice: {voice.name}")
        print(f"cores: {os.cpu_count()}")
        factors = []
        for run in range(RUNS):
            target = work / f"preview-{run}.mp4"
            load, cpu, started = os.getloadavg()[0], cpu_seconds(), time.perf_counter()
            seconds = render_preview(photo, voice, target)
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            factors.append(seconds / wall)
            print(
                f"run {run + 1}: {seconds:.2f} s of video in {wall:.2f} s: {seconds / wall:.2f}× real time "
                f"({cpu:.2f} CPU-seconds; load average before: {load:.2f})"
            )
        median = statistics.median(factors)
        print(f"output resolution: {resolution(work / 'preview-0.mp4')}")
        print(f"real-time factor (median of {RUNS}): {median:.2f}× (target ≥ {TARGET:.0f}×)")
        print("target met" if median >= TARGET else "target NOT met")
        sys.exit(0)


if __name__ == "__main__":
    main()
