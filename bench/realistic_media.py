"""Realistic inputs made on the spot (there is no internet here): a phone photo and a spoken MP3.

The photo is what a phone sends: 12.2 megapixels (4032×3024 stored sideways, EXIF Orientation 6 to
show it upright), JPEG quality 95, with a photo's texture and sensor noise, so it weighs what a real
one does (5–10 MB); its subject is a real photograph, examples/astronaut.jpg (NASA, public domain),
cropped to 3:4 and upscaled. The voice is a real recorded voice, examples/astronaut.mp3 (CMU
ARCTIC), said three times over, encoded as a 44.1 kHz 128 kbit/s MP3, as a recorder app would save it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from bench.processes import ROOT

PHOTO_SIZE = (3024, 4032)  # upright width × height: 12.2 Mpx, a phone's 4:3 sensor
_EXIF_ORIENTATION = 0x0112
_SENSOR_NOISE = 9.0  # per-channel standard deviation in 8-bit levels: lands the JPEG at ~6 MB
# (cells across the width, amplitude): blotches, skin and cloth texture, fine grain
_TEXTURE = ((12, 18.0), (48, 10.0), (192, 6.0), (768, 4.0))


def phone_photo(path: Path, seed: int = 14) -> Path:
    width, height = PHOTO_SIZE
    rng = np.random.default_rng(seed)
    with Image.open(ROOT / "examples" / "astronaut.jpg") as photo:
        three_by_four = photo.convert("RGB").crop((64, 0, 448, 512))  # the face stays in the upper middle
    subject = three_by_four.resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    pixels = np.asarray(subject, dtype=np.float32)
    texture = np.zeros((height, width), np.float32)
    for cells, amplitude in _TEXTURE:
        grid = rng.standard_normal((cells * height // width + 1, cells + 1)).astype(np.float32)
        texture += amplitude * np.asarray(Image.fromarray(grid).resize(PHOTO_SIZE, Image.Resampling.BICUBIC))
    pixels += texture[..., None] * np.array([1.0, 0.9, 0.8], np.float32)
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * _SENSOR_NOISE
    upright = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = 6  # stored rotated: a viewer turns it 90° clockwise
    exif[0x010F], exif[0x0110] = "Bench", "Phone 12MP"  # Make, Model
    upright.transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", quality=95, exif=exif)
    return path


def spoken_mp3(path: Path, seconds: float = 8.0) -> Path:
    voice = ROOT / "examples" / "astronaut.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-stream_loop",
            "2",
            "-i",
            str(voice),
            "-af",
            f"apad=whole_dur={seconds}",
        ]
        + ["-t", str(seconds), "-ar", "44100", "-ac", "1", "-b:a", "128k", str(path)],
        check=True,
    )
    return path


def fixed_video(face: Path, voice: Path, target: Path, seconds: float = 5.0) -> Path:
    """What the fake returns for every job (so rendering costs the fake nothing): `seconds` of the face."""
    still = target.with_suffix(".png")
    with Image.open(face) as image:
        image.draft("RGB", (1008, 756))
        ImageOps.exif_transpose(image).convert("RGB").resize((480, 640)).save(still)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-framerate", "25", "-i", str(still), "-i", str(voice)]
        + ["-t", str(seconds), "-vf", "format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
        + ["-tune", "stillimage", "-c:a", "aac", str(target)],
        check=True,
    )
    return target
