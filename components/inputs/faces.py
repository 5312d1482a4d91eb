"""A face check before paying: Kling refuses a portrait without a detectable face, but only after minutes in
fal's queue (a 422 `face_detection_error`, which fal may still charge), so the app looks for one first.
Pure logic: no gradio.

YuNet (`yunet.py`) looks first, on a small copy made while the portrait is decoded anyway: it sees real
people, three-quarter profiles included, in about 15 ms. Only when it sees no human face do OpenCV's Haar
cascades (`haar.py`) look, for a cat or a drawn face. A miss is never final: the visitor can go ahead
(`skip_face_check`). Nothing is remembered here: the checked-inputs cache (`checked_inputs.py`) keeps each
portrait's examination by content, so the readiness line, the estimate, Generate and Compare look once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps

from components.inputs import haar, yunet
from components.inputs.pixels import crop_around, small_copy, small_copy_of

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import ImageLimits
    from components.inputs.haar import Box, Kind
    from components.inputs.pixels import Small


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


def check_portrait(path: str | Path, limits: ImageLimits, small: Small | None = None) -> FaceCheck:
    """`path`: the portrait as sent (upright, bounded; an EXIF turn is still applied, as Kling would see it).
    `small`: the copy made while `path` was decoded (prepare_image's), else `path` is decoded small here."""
    path = Path(path)
    small = small or small_copy_of(path, haar.WORK_PIXELS)
    size = small.size  # the portrait's upright pixels
    faces = [_in_pixels(face, size, small.image.size) for face in _look(small.image)]
    chosen, cropped = (faces or [None])[0], None
    if chosen is not None and not limits.min_aspect <= size[0] / size[1] <= limits.max_aspect:
        with Image.open(path) as opened:  # the full pixels, only for a crop
            image = ImageOps.exif_transpose(opened)
        cropped = crop_to_aspect(image, chosen, limits.min_aspect, limits.max_aspect, limits.min_side_px)
    return FaceCheck(tuple(faces), chosen, _message(faces, size, cropped), cropped)


def find_faces(image: Image.Image) -> list[Face]:
    """Largest first, boxes in `image`'s pixels."""
    small = small_copy(image, haar.WORK_PIXELS).image
    return [_in_pixels(face, image.size, small.size) for face in _look(small)]


def _look(small: Image.Image) -> list[tuple[Box, Kind]]:
    """YuNet first; the cascades only where it is blind (no human face: maybe a cat or a drawing)."""
    return [(box, "human") for box, _ in yunet.detect(np.asarray(small))] or haar.find(small.convert("L"))


def _in_pixels(face: tuple[Box, Kind], size: tuple[int, int], small: tuple[int, int]) -> Face:
    """A box found in the small copy, in the pixels of the picture it was made from."""
    (left, top, width, height), kind = face
    x, y = size[0] / small[0], size[1] / small[1]
    return Face((round(left * x), round(top * y), round(width * x), round(height * y)), kind)


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
