"""What the face check costs per portrait (prepare_portrait: decode, bound, convert, find the face).

Run: `.venv/bin/python -m bench.face_check` (about two minutes). For each input it prints the CPU seconds
(time.process_time: every thread of this process, OpenCV's and the face detector's included) and the wall
seconds of one prepare_portrait call, median of 5 after one warm-up call (which loads the detectors); the
CPU of prepare_image alone (decode, bound, convert); the CPU of asking the checked-inputs cache for the same
content again (Generate after the readiness line: the file's digest and its links, no decode); and the
outcome, with whether the face named is the one drawn there (every input's subject is one of the app's
drawn examples).

The inputs: the bench's phone photo (bench/realistic_media.py: 4032×3024 stored sideways, EXIF Orientation 6,
JPEG q95, ~6 MB, blotchy texture and sensor noise); that photo on a 4000×3000 landscape canvas (q92); the
photo's bottom fifth (shirt and background, no face) upscaled to 4000×3000; a 3000×4000 phone-style JPEG of
examples/person.png with sensor noise only (q92, stored sideways); a 4000×3000 sky (a gradient with sensor
noise, no face); and the app's two drawn examples as they are.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from bench.processes import ROOT
from bench.realistic_media import phone_photo
from components.config.settings import load_settings
from components.errors import InputRejected
from components.inputs import faces
from components.inputs.checked_inputs import CheckedInputs
from components.inputs.image import prepare_image
from components.inputs.portrait import prepare_portrait

RUNS = 5
LANDSCAPE = (4000, 3000)
LIMITS = load_settings().models[0].limits.image
PERSON_FACE = (214, 170, 340, 520)  # the drawn face in examples/person.png (768×960): left, top, width, height
CAT_HEAD = (160, 200, 480, 480)  # in examples/cat.png (800×800)
Region = tuple[float, float, float, float]


def placed(region: Region, scale_x: float, scale_y: float, left: float = 0, top: float = 0) -> Region:
    return (left + region[0] * scale_x, top + region[1] * scale_y, region[2] * scale_x, region[3] * scale_y)


def noisy(pixels: np.ndarray, sigma: float, seed: int) -> Image.Image:
    noise = np.random.default_rng(seed).normal(0, sigma, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels.astype(np.float32) + noise, 0, 255).astype(np.uint8))


def inputs(folder: Path) -> dict[str, tuple[Path, Region | None]]:
    """Each input with where its face is in the upright original (None: no face)."""
    phone = phone_photo(folder / "phone.jpg")
    with Image.open(phone) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
    # Landscape: the photo scaled to the full height, centred on its own background (its left edge, stretched).
    canvas = upright.crop((0, 0, upright.width // 8, upright.height)).resize(LANDSCAPE, Image.Resampling.BICUBIC)
    person = upright.resize((LANDSCAPE[1] * 3 // 4, LANDSCAPE[1]), Image.Resampling.LANCZOS)
    canvas.paste(person, (left := (LANDSCAPE[0] - person.width) // 2, 0))
    canvas.save(folder / "face-12mp.jpg", "JPEG", quality=92)
    body_h = upright.height // 5  # the bottom fifth, 4:3: shirt and background, no face
    body = upright.crop((0, upright.height - body_h, body_h * 4 // 3, upright.height))
    body.resize(LANDSCAPE, Image.Resampling.LANCZOS).save(folder / "no-face-12mp.jpg", "JPEG", quality=92)
    # A plain phone portrait: the drawn person, 3000 px wide, on a 3000×4000 frame, sensor noise only.
    with Image.open(ROOT / "examples" / "person.png") as opened:
        drawn = opened.convert("RGB").resize((3000, 3750), Image.Resampling.BICUBIC)
    frame = Image.new("RGB", (3000, 4000), drawn.getpixel((5, 5)))
    frame.paste(drawn, (0, 250))
    sideways = noisy(np.asarray(frame), 6.0, 1).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as a phone does
    sideways.save(folder / "portrait-12mp.jpg", "JPEG", quality=92, exif=exif)
    y, x = np.mgrid[0 : LANDSCAPE[1], 0 : LANDSCAPE[0]].astype(np.float32)
    sky = np.stack([120 + 80 * y / LANDSCAPE[1], 150 + 60 * x / LANDSCAPE[0], 200 - 40 * y / LANDSCAPE[1]], -1)
    noisy(sky, 6.0, 2).save(folder / "sky-12mp.jpg", "JPEG", quality=92)
    return {
        "phone photo 4032×3024 q95 EXIF 6": (phone, placed(PERSON_FACE, 3024 / 768, 4032 / 960)),
        "that photo on 4000×3000 q92": (folder / "face-12mp.jpg", placed(PERSON_FACE, 2250 / 768, 3000 / 960, left)),
        "its shirt, no face, 4000×3000 q92": (folder / "no-face-12mp.jpg", None),
        "portrait 3000×4000 q92 EXIF 6, noise only": (
            folder / "portrait-12mp.jpg",
            placed(PERSON_FACE, 3000 / 768, 3750 / 960, 0, 250),
        ),
        "sky, no face, 4000×3000 q92": (folder / "sky-12mp.jpg", None),
        "examples/person.png 768×960": (ROOT / "examples" / "person.png", PERSON_FACE),
        "examples/cat.png 800×800": (ROOT / "examples" / "cat.png", CAT_HEAD),
    }


def prepared(path: Path, workdir: Path) -> tuple[Path | None, str | None]:
    """What prepare_portrait sends (None: refused) and its note."""
    try:
        return prepare_portrait(path, LIMITS, workdir, skip_face_check=False)
    except InputRejected:
        return None, None


def outcome(path: Path, region: Region | None, workdir: Path) -> str:
    """What the check decided, and whether the face it names is the drawn one (not timed)."""
    sent, note = prepared(path, workdir)
    if sent is None:
        return "refused: no face" + (" (right)" if region is None else " (WRONG: there is one)")
    check = faces.check_portrait(sent, LIMITS)
    with Image.open(path) as original, Image.open(sent) as image:
        scale = ImageOps.exif_transpose(original).width / image.width
    left, top, w, h = check.chosen.box if check.chosen else (0, 0, 0, 0)
    x, y = (left + w / 2) * scale, (top + h / 2) * scale
    right = region is not None and 0 <= x - region[0] <= region[2] and 0 <= y - region[1] <= region[3]
    return f"sent; {len(check.faces)} face(s), the largest {'the drawn face' if right else 'ELSEWHERE'}"


def asked_again(path: Path, runner: asyncio.Runner) -> Callable[[Path], object]:
    """The checked-inputs cache asked for `path` into a job's folder; the warm-up call fills it."""
    inputs = CheckedInputs(asyncio.Semaphore(1))
    return lambda work: runner.run(inputs.portrait(str(path), LIMITS, work / "portrait"))


def measured(call: Callable[[Path], object], folder: Path) -> tuple[float, float]:
    """Median CPU and wall seconds of call(workdir), after a warm-up call (the detectors load once per thread)."""
    cpu, wall = [], []
    for run in range(RUNS + 1):
        with tempfile.TemporaryDirectory(dir=folder) as work:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            call(Path(work))
            if run:
                cpu.append(time.process_time() - cpu0)
                wall.append(time.perf_counter() - wall0)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, asyncio.Runner() as runner:
        folder = Path(tmp)
        print(f"prepare_portrait per call, median of {RUNS} (CPU and wall seconds)")
        print("| input | CPU s | wall s | prepare_image CPU s | same content again: CPU s | outcome |")
        print("|---|---:|---:|---:|---:|---|")
        for name, (path, region) in inputs(folder).items():
            cpu, wall = measured(lambda work, path=path: prepared(path, work), folder)
            image_cpu = measured(lambda work, path=path: prepare_image(path, LIMITS, work), folder)[0]
            again_cpu = measured(asked_again(path, runner), folder)[0]
            with tempfile.TemporaryDirectory(dir=folder) as work:
                said = outcome(path, region, Path(work))
            print(f"| {name} | {cpu:.3f} | {wall:.3f} | {image_cpu:.3f} | {again_cpu:.3f} | {said} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
