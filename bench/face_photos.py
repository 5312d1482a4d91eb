"""The face-accuracy bench's pictures: real photographs from scikit-image's sample data, read straight out of
its wheel (scikit-image is not a dependency of the app, and nothing here is committed), plus the app's own
drawn examples and noise.

Sets: the LFW sample's 100 faces and 100 non-faces (25 × 25 grey crops of the Labeled Faces in the Wild
photos and of their backgrounds), each upscaled to 160 px and set on a 360 × 450 portrait canvas of its
own mean grey; the real portraits (the cameraman in three-quarter profile — the only profile under a free
licence found in a package here — and the astronaut, each also mirrored, tilted and small in a wide
frame); scikit-image's 18 other photographs and drawings (a rocket launch, coffee, coins, Hubble's deep
field, textures, text, a logo…; one real cat); the app's drawn person and cat; noise and a gradient.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bench.processes import ROOT

WHEEL_PIN = "scikit-image==0.26.0"
CACHE = Path.home() / ".cache" / "kling-avatar-studio" / "bench-wheels"
Box = tuple[float, float, float, float]  # left, top, width, height


@dataclass(frozen=True)
class Sample:
    image: Image.Image
    face: Box | None  # where the face is; None: there is none
    kind: str = "human"


def wheel() -> zipfile.ZipFile:
    """scikit-image's wheel, downloaded once by pip (by name, from the package index) into a cache folder."""
    found = sorted(CACHE.glob("scikit_image-0.26.0-*.whl"))
    if not found:
        print(f"Fetching {WHEEL_PIN} (its sample photographs) with pip into {CACHE} …", file=sys.stderr)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d"]
        subprocess.run([*command, str(CACHE), WHEEL_PIN], check=True)
        found = sorted(CACHE.glob("scikit_image-0.26.0-*.whl"))
    return zipfile.ZipFile(found[-1])


def _photo(archive: zipfile.ZipFile, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(archive.read(f"skimage/data/{name}")))
    if image.mode in {"RGBA", "LA", "P", "1"}:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    return image.convert("RGB")


def _portrait(crop: np.ndarray) -> Sample:
    """A 25 × 25 LFW crop upscaled on a portrait canvas; the face is the upscaled crop."""
    canvas = Image.new("L", (360, 450), int(crop.mean()))
    canvas.paste(Image.fromarray(crop).resize((160, 160), Image.Resampling.BICUBIC), (100, 120))
    return Sample(canvas.convert("RGB"), (100, 120, 160, 160))


def lfw(archive: zipfile.ZipFile, faces: bool) -> Iterator[Sample]:
    crops = (np.load(io.BytesIO(archive.read("skimage/data/lfw_subset.npy"))) * 255).round().astype(np.uint8)
    for crop in crops[:100] if faces else crops[100:]:
        sample = _portrait(crop)
        yield sample if faces else Sample(sample.image, None)


def _variants(photo: Image.Image, face: Box) -> Iterator[Sample]:
    """The photo, mirrored, tilted ±25° (about the face, so it stays where it was) and at a quarter of a wide frame."""
    yield Sample(photo, face)
    yield Sample(photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (photo.width - face[0] - face[2], *face[1:]))
    centre = (face[0] + face[2] / 2, face[1] + face[3] / 2)
    for degrees in (-25, 25):
        yield Sample(photo.rotate(degrees, Image.Resampling.BICUBIC, center=centre, fillcolor=(128,) * 3), face)
    frame = Image.new("RGB", (photo.width * 3, photo.height * 9 // 4), (128,) * 3)
    frame.paste(photo.resize((photo.width * 3 // 4, photo.height * 3 // 4)), (photo.width, photo.height // 2))
    yield Sample(
        frame, (photo.width + face[0] * 0.75, photo.height // 2 + face[1] * 0.75, face[2] * 0.75, face[3] * 0.75)
    )


def portraits(archive: zipfile.ZipFile) -> Iterator[Sample]:
    yield from _variants(_photo(archive, "camera.png"), (190, 110, 80, 100))
    yield from _variants(_photo(archive, "astronaut.png"), (175, 60, 100, 120))


NO_FACE = [
    "rocket.jpg",
    "coffee.png",
    "coins.png",
    "hubble_deep_field.jpg",
    "grass.png",
    "gravel.png",
    "brick.png",
    "text.png",
    "page.png",
    "moon.png",
    "retina.jpg",
    "horse.png",
    "clock_motion.png",
    "color.png",
    "motorcycle_left.png",
    "ihc.png",
    "cell.png",
    "logo.png",
]


def things(archive: zipfile.ZipFile) -> Iterator[Sample]:
    for name in NO_FACE:
        yield Sample(_photo(archive, name), None)


def cats_and_drawings(archive: zipfile.ZipFile) -> Iterator[Sample]:
    yield Sample(_photo(archive, "chelsea.png"), (60, 0, 340, 300), "cat")  # Chelsea, a real cat (CC0), close up
    for name, face, kind in (("person.png", (214, 170, 340, 520), "human"), ("cat.png", (160, 200, 480, 480), "cat")):
        with Image.open(ROOT / "examples" / name) as drawn:
            yield Sample(drawn.convert("RGB"), face, kind)


def synthetic() -> Iterator[Sample]:
    rng = np.random.default_rng(1)
    yield Sample(Image.fromarray(rng.integers(0, 256, (900, 1200, 3), dtype=np.uint8)), None)
    x = np.linspace(0, 255, 1200)
    yield Sample(Image.fromarray(np.repeat(np.stack([x, x[::-1], x / 2], -1)[None], 900, 0).astype(np.uint8)), None)
