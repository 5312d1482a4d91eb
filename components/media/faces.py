"""A face check before paying: Kling refuses a portrait without a detectable face, but only after minutes in
fal's queue (a 422 `face_detection_error`, which fal may still charge), so the app looks for one first.
Pure logic: no gradio.

YuNet (`yunet.py`) looks first, on a small copy made while the portrait is decoded anyway: it sees real
people, three-quarter profiles included, in about 15 ms. Only when it sees no human face do OpenCV's Haar
cascades (`haar.py`) look, for a cat or a drawn face. A miss is never final: the visitor can go ahead
(`skip_face_check`). What was found is remembered by the visitor's file, so the readiness line and Generate
look once.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from components.media import haar, yunet
from components.media.haar import Box, Kind
from components.media.pixels import SIDEWAYS, Small, crop_around, small_copy, small_copy_of
from components.settings import ImageLimits

_REMEMBERED = 64  # files remembered (the readiness check and Generate check the same one)
Found = tuple[tuple[tuple[float, float, float, float], Kind], ...]  # boxes as shares of the picture's sides
_SEEN: dict[Hashable, Found] = {}  # the oldest first
_SEEN_LOCK = threading.Lock()
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Face:
    box: Box  # in the checked picture's upright pixels
    kind: Kind


@dataclass(frozen=True)
class FaceCheck:
    faces: tuple[Face, ...]  # largest first
    chosen: Face | None  # the largest: the one Kling will likely animate
    message: str  # a sentence for the visitor
    cropped: Image.Image | None = None  # set when the aspect is outside the limits and a crop fits


def check_portrait(
    path: str | Path, limits: ImageLimits, original: str | Path | None = None, small: Small | None = None
) -> FaceCheck:
    """`path`: the portrait as sent (upright, bounded; an EXIF turn is still applied, as Kling would see it).
    `original`: the visitor's file it was made from, by which the faces are remembered (default `path`);
    `small`: the copy made while `path` was decoded (prepare_image's), else `path` is decoded small here."""
    path = Path(path)
    key = _identity(Path(original or path))
    found = _remembered(key)
    if found is None:
        small = small or small_copy_of(path, haar.WORK_PIXELS)
        found = _look(small.image)
        _remember(key, found)
    size = small.size if small is not None else _upright_size(path)
    faces = [_in_pixels(face, size) for face in found]
    chosen, cropped = (faces or [None])[0], None
    if chosen is not None and not limits.min_aspect <= size[0] / size[1] <= limits.max_aspect:
        with Image.open(path) as opened:  # the full pixels, only for a crop
            image = ImageOps.exif_transpose(opened)
        cropped = crop_to_aspect(image, chosen, limits.min_aspect, limits.max_aspect, limits.min_side_px)
    return FaceCheck(tuple(faces), chosen, _message(faces, size, cropped), cropped)


def remembers(path: str | Path) -> bool:
    """Whether this file's faces are known already (then no small copy is needed)."""
    key = _identity(Path(path))
    with _SEEN_LOCK:
        return key in _SEEN


def find_faces(image: Image.Image) -> list[Face]:
    """Largest first, boxes in `image`'s pixels."""
    return [_in_pixels(face, image.size) for face in _look(small_copy(image, haar.WORK_PIXELS).image)]


def _look(small: Image.Image) -> Found:
    """YuNet first; the cascades only where it is blind (no human face: maybe a cat or a drawing)."""
    boxes = [(box, "human") for box, _ in yunet.detect(np.asarray(small))] or haar.find(small.convert("L"))
    width, height = small.size
    return tuple(((left / width, top / height, w / width, h / height), kind) for (left, top, w, h), kind in boxes)


def _in_pixels(face: tuple[tuple[float, float, float, float], Kind], size: tuple[int, int]) -> Face:
    (left, top, width, height), kind = face
    return Face((round(left * size[0]), round(top * size[1]), round(width * size[0]), round(height * size[1])), kind)


def _identity(path: Path) -> Hashable:
    """The file, not its name alone: Gradio gives each upload a path of its own, and a file written anew
    at the same path has another size or modification time."""
    stat = path.stat()
    return str(path.resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def _remembered(key: Hashable) -> Found | None:
    with _SEEN_LOCK:
        found = _SEEN.pop(key, None)
        if found is not None:
            _SEEN[key] = found  # the newest last
        return found


def _remember(key: Hashable, found: Found) -> None:
    with _SEEN_LOCK:
        _SEEN[key] = found
        while len(_SEEN) > _REMEMBERED:
            del _SEEN[next(iter(_SEEN))]


def _upright_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as opened:  # the header only
        width, height = opened.size
        return (height, width) if opened.getexif().get(_EXIF_ORIENTATION, 1) in SIDEWAYS else (width, height)


def crop_to_aspect(
    image: Image.Image, face: Face, min_aspect: float, max_aspect: float, min_side: int
) -> Image.Image | None:
    """The largest crop within the aspect limits, centred on the face (see pixels.crop_around)."""
    return crop_around(image, face.box, min_aspect, max_aspect, min_side)


def _message(faces: list[Face], size: tuple[int, int], cropped: Image.Image | None) -> str:
    if not faces:
        return (
            "No face was found in this portrait. Kling refuses images without a clear face — after minutes in "
            "the queue, and the wait is lost. This check can miss drawn or stylised faces, so you may still go ahead."
        )
    largest = faces[0]
    where = f"({_position(largest.box, size)}, {largest.box[2]}×{largest.box[3]} px)"
    text = f"A {'cat face' if largest.kind == 'cat' else 'face'} was found {where}."
    if len(faces) > 1:
        text = f"{len(faces)} faces found; Kling will likely animate the largest {where}."
    if cropped is not None:
        text += f" The image can be cropped to {cropped.width}×{cropped.height} px around it to fit Kling's limits."
    return text


def _position(box: Box, size: tuple[int, int]) -> str:
    """Where the face's centre lies in a 3 × 3 grid: "left", "top right", "centre"."""
    left, top, width, height = box
    column = ("left", "", "right")[min(2, int(3 * (left + width / 2) / size[0]))]
    row = ("top", "", "bottom")[min(2, int(3 * (top + height / 2) / size[1]))]
    return " ".join(part for part in (row, column) if part) or "centre"
