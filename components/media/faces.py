"""A face check before paying: Kling refuses a portrait without a detectable face, but only after minutes in
fal's queue (a 422 `face_detection_error`), so the app looks for one first. Pure logic: no gradio.

OpenCV's Haar cascades ship inside the opencv-python-headless wheel (`cv2.data.haarcascades`): nothing is
downloaded at run time. Human faces: the two `frontalface_alt` cascades (`default` fires far more on
textures); cats: the two `frontalcatface` ones. Photographed faces get 20–200 votes, drawn ones only 5–25 (as
much as coins or gravel can); profiles, strong tilts and faces under ~9% of the width are missed. So a miss
is never final: the visitor can go ahead anyway (`skip_face_check`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from components.media.pixels import flatten, to_8bit
from components.settings import ImageLimits

Kind = Literal["human", "cat"]
Box = tuple[int, int, int, int]  # left, top, width, height in the original image's pixels

_CASCADES: dict[Kind, tuple[str, ...]] = {
    "human": ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_alt.xml"),
    "cat": ("haarcascade_frontalcatface.xml", "haarcascade_frontalcatface_extended.xml"),
}
_WORK_PIXELS = 640 * 640  # detection runs on a greyscale copy of at most this many pixels
# OpenCV's unfiltered resize drops a drawn face's thin lines at large scales: the pyramid is built here
# (box filter), each level searched only for windows _WINDOW to _WINDOW × _LEVEL_STEP px.
_WINDOW = 56
_LEVEL_STEP = 2
_BLUR = 1.5  # px; softens hard drawn edges into the gradients the cascades were trained on
# scaleFactor finer than 1.1 (a drawn face needs the windows' votes); minNeighbors=0: votes are grouped later.
_SEARCH = {"scaleFactor": 1.03, "minNeighbors": 0, "minSize": (_WINDOW,) * 2, "maxSize": (_WINDOW * _LEVEL_STEP,) * 2}
_MIN_VOTES = 4  # raw windows a face needs (gradients and noise get 0, drawn faces 5–25, photos 20–200)
_FAINT = 8  # a candidate with under 1/_FAINT of the best one's votes is texture next to a real face


@dataclass(frozen=True)
class Face:
    box: Box
    kind: Kind


@dataclass(frozen=True)
class FaceCheck:
    faces: tuple[Face, ...]  # largest first
    chosen: Face | None  # the largest: the one Kling will likely animate
    message: str  # a sentence for the visitor
    cropped: Image.Image | None = None  # set when the aspect is outside the limits and a crop fits


@dataclass(frozen=True)
class _Candidate:
    box: Box
    kind: Kind
    votes: int


def check_portrait(path: str | Path, limits: ImageLimits) -> FaceCheck:
    """Call on the prepared (upright, bounded) portrait; an EXIF turn is still applied, as Kling would see it."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
    faces = find_faces(image)
    chosen, cropped = (faces or [None])[0], None
    if chosen is not None and not limits.min_aspect <= image.width / image.height <= limits.max_aspect:
        cropped = crop_to_aspect(image, chosen, limits.min_aspect, limits.max_aspect, limits.min_side_px)
    return FaceCheck(tuple(faces), chosen, _message(faces, image.size, cropped), cropped)


def find_faces(image: Image.Image) -> list[Face]:
    grey, scale = _working_copy(image)
    candidates = _one_per_place([c for kind in _CASCADES for c in _detect(grey, scale, kind)])
    best = max((c.votes for c in candidates), default=0)
    kept = sorted((c for c in candidates if c.votes * _FAINT >= best), key=lambda c: c.box[2] * c.box[3], reverse=True)
    return [Face(c.box, c.kind) for c in kept]


def crop_to_aspect(
    image: Image.Image, face: Face, min_aspect: float, max_aspect: float, min_side: int
) -> Image.Image | None:
    """The largest crop within the aspect limits, centred on the face as far as the image allows.

    An image already within the limits is its own largest crop; None when no crop keeps both sides ≥ min_side.
    """
    width, height = image.size
    crop_w, crop_h = width, height
    if width > height * max_aspect:
        crop_w = int(height * max_aspect)
    elif width < height * min_aspect:
        crop_h = int(width / min_aspect)
    # int() rounds towards the limit's inside, but equal limits can still leave no whole-pixel fit.
    if min(crop_w, crop_h) < min_side or not min_aspect <= crop_w / crop_h <= max_aspect:
        return None
    left, top, face_w, face_h = face.box
    x = min(max(round(left + (face_w - crop_w) / 2), 0), width - crop_w)  # centred, then kept inside
    y = min(max(round(top + (face_h - crop_h) / 2), 0), height - crop_h)
    return image.crop((x, y, x + crop_w, y + crop_h))


def _working_copy(image: Image.Image) -> tuple[Image.Image, float]:
    """8-bit greyscale (transparency on white, as Kling gets it), at most _WORK_PIXELS; and its scale."""
    grey = flatten(to_8bit(image)).convert("L")
    scale = min(1.0, (_WORK_PIXELS / (grey.width * grey.height)) ** 0.5)
    if scale < 1:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.BOX)
    return grey, scale


def _levels(grey: Image.Image, scale: float) -> list[tuple[np.ndarray, float]]:
    """Box-filtered pyramid levels (blurred) with each one's scale from the original image."""
    levels, level, factor = [], grey, scale
    while min(level.size) >= _WINDOW:
        levels.append((np.asarray(level.filter(ImageFilter.GaussianBlur(_BLUR))), factor))
        factor /= _LEVEL_STEP
        level = grey.resize((round(grey.width * factor / scale), round(grey.height * factor / scale)), Image.BOX)
    return levels


def _detect(grey: Image.Image, scale: float, kind: Kind) -> list[_Candidate]:
    """Raw windows from every level and both cascades of a kind, grouped together in original pixels."""
    rects = []
    for pixels, factor in _levels(grey, scale):
        for cascade in _cascades(kind):
            found = cascade.detectMultiScale(pixels, **_SEARCH)
            rects += [[round(v / factor) for v in rect] for rect in found]
    if len(rects) < _MIN_VOTES:
        return []
    boxes, votes = cv2.groupRectangles(rects, _MIN_VOTES - 1, 0.25)
    return [_Candidate(tuple(int(v) for v in box), kind, int(n)) for box, n in zip(boxes, np.ravel(votes), strict=True)]


def _one_per_place(candidates: list[_Candidate]) -> list[_Candidate]:
    """Overlapping candidates are one face: the cascades also fire on its parts (a drawn cat's eye can
    outvote its whole head) and the other kind's cascade may fire on it too. The place keeps the largest
    box among its credible candidates, the strongest one's kind, and all their votes."""
    places: list[list[_Candidate]] = []
    for candidate in candidates:
        touching = [p for p in places if any(_overlap(candidate.box, c.box) for c in p)]
        places = [p for p in places if all(p is not t for t in touching)]
        places.append([candidate, *(c for p in touching for c in p)])
    return [_merged(place) for place in places]


def _merged(place: list[_Candidate]) -> _Candidate:
    strongest = max(place, key=lambda c: c.votes)
    credible = [c for c in place if c.votes * _FAINT >= strongest.votes]
    largest = max(credible, key=lambda c: c.box[2] * c.box[3])
    return _Candidate(largest.box, strongest.kind, sum(c.votes for c in place))


def _overlap(a: Box, b: Box) -> bool:
    """Either box's centre inside the other."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    a_in_b = bx <= ax + aw / 2 <= bx + bw and by <= ay + ah / 2 <= by + bh
    return a_in_b or (ax <= bx + bw / 2 <= ax + aw and ay <= by + bh / 2 <= ay + ah)


def _cascades(kind: Kind) -> tuple[cv2.CascadeClassifier, ...]:
    """A classifier is not safe to share between threads (checks run in a thread pool): one set per thread."""
    return _loaded(kind, threading.get_ident())


@cache  # an lru_cache without a bound: the only state kept between calls (a few sets, one per pool thread)
def _loaded(kind: Kind, thread: int) -> tuple[cv2.CascadeClassifier, ...]:
    """Loaded once per thread; an empty classifier (a wheel without its data) fails loudly, not silently."""
    loaded = tuple(cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name)) for name in _CASCADES[kind])
    if any(cascade.empty() for cascade in loaded):
        raise RuntimeError("OpenCV's Haar cascades are missing: install opencv-python-headless 4.x (5.0 ships none).")
    return loaded


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
