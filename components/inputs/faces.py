"""A face check before paying: Kling refuses a portrait without a detectable face, but only after minutes in
fal's queue (a 422 `face_detection_error`), so the app looks for one first. Pure logic: no gradio.
OpenCV's Haar cascades ship inside the opencv-python-headless wheel (`cv2.data.haarcascades`): nothing is
downloaded at run time. Human faces: the two `frontalface_alt` cascades (`default` fires far more on textures);
cats: the two `frontalcatface` ones, on a small grey copy (a JPEG decodes straight to it). Photographed faces
get 30–70 votes, drawn ones 2–20 (as coins or blotchy textures can); profiles, strong tilts and faces under
a tenth of the long side are missed, so a miss is never final: the visitor can go ahead (`skip_face_check`).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from components.inputs.pixels import crop_around, grey_copy, to_grey

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import ImageLimits

Kind = Literal["human", "cat"]
Box = tuple[int, int, int, int]  # left, top, width, height in the original image's pixels

_CASCADES: dict[Kind, tuple[str, ...]] = {
    "human": ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_alt.xml"),
    "cat": ("haarcascade_frontalcatface.xml", "haarcascade_frontalcatface_extended.xml"),
}
_WORK_PIXELS = 640 * 640  # detection runs on a greyscale copy of at most this many pixels
# OpenCV's unfiltered resize drops a drawn face's thin lines at large scales: the pyramid is built here (box
# filter), each level searched only for windows _WINDOW to _WINDOW × _LEVEL_STEP px. The smallest window is
# most of the cost (56 px: 1.5× the CPU of 64, for faces 12% smaller); scaleFactor 1.1 has a third of 1.03's
# windows and votes (drawn faces found about as often, textures less often). minNeighbors=0: grouped later.
_WINDOW, _LEVEL_STEP = 64, 2
_BLUR = 1.5  # px; softens hard drawn edges into the gradients the cascades were trained on
_SEARCH = {"scaleFactor": 1.1, "minNeighbors": 0, "minSize": (_WINDOW,) * 2, "maxSize": (_WINDOW * _LEVEL_STEP,) * 2}
_MIN_VOTES = 2  # raw windows a face needs (gradients and noise get 0, drawn faces 2–20, photos 30–70)
_FAINT = 8  # a candidate with under 1/_FAINT of the best one's votes is texture next to a real face
_REMEMBERED = 64  # files remembered by content (the readiness check and Generate check the same one)
_SEEN: dict[bytes, tuple[tuple[Face, ...], tuple[int, int]]] = {}  # faces and upright size, the oldest first
_SEEN_LOCK = threading.Lock()


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
    faces, size = _faces_in(Path(path))
    chosen, cropped = (faces or [None])[0], None
    if chosen is not None and not limits.min_aspect <= size[0] / size[1] <= limits.max_aspect:
        with Image.open(path) as opened:  # the full pixels, only for a crop
            image = ImageOps.exif_transpose(opened)
        cropped = crop_to_aspect(image, chosen, limits.min_aspect, limits.max_aspect, limits.min_side_px)
    return FaceCheck(tuple(faces), chosen, _message(faces, size, cropped), cropped)


def find_faces(image: Image.Image) -> list[Face]:
    """Largest first, boxes in `image`'s pixels."""
    small, scale = to_grey(image), min(1.0, (_WORK_PIXELS / (image.width * image.height)) ** 0.5)
    if scale < 1:
        small = small.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BOX)
    return _find(small, scale)


def _faces_in(path: Path) -> tuple[list[Face], tuple[int, int]]:
    """The faces in a file (full-size boxes) and its upright size; by content, so a second check is free."""
    key = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
    with _SEEN_LOCK:
        seen = _SEEN.pop(key, None)
    if seen is None:
        small, scale, size = grey_copy(path, _WORK_PIXELS)
        seen = (tuple(_find(small, scale)), size)
    with _SEEN_LOCK:
        _SEEN[key] = seen  # the newest last
        while len(_SEEN) > _REMEMBERED:
            del _SEEN[next(iter(_SEEN))]
    return list(seen[0]), seen[1]


def _find(grey: Image.Image, scale: float) -> list[Face]:
    levels = _levels(grey, scale)
    candidates = _one_per_place([c for kind in _CASCADES for c in _detect(levels, kind)])
    best = max((c.votes for c in candidates), default=0)
    kept = sorted((c for c in candidates if c.votes * _FAINT >= best), key=lambda c: c.box[2] * c.box[3], reverse=True)
    return [Face(c.box, c.kind) for c in kept]


def crop_to_aspect(
    image: Image.Image, face: Face, min_aspect: float, max_aspect: float, min_side: int
) -> Image.Image | None:
    """The largest crop within the aspect limits, centred on the face (see pixels.crop_around)."""
    return crop_around(image, face.box, min_aspect, max_aspect, min_side)


def _levels(grey: Image.Image, scale: float) -> list[tuple[np.ndarray, float]]:
    """Box-filtered pyramid levels (blurred) with each one's scale from the original image."""
    levels, level, factor = [], grey, scale
    while min(level.size) >= _WINDOW:
        levels.append((np.asarray(level.filter(ImageFilter.GaussianBlur(_BLUR))), factor))
        factor /= _LEVEL_STEP
        level = grey.resize((round(grey.width * factor / scale), round(grey.height * factor / scale)), Image.BOX)
    return levels


def _detect(levels: list[tuple[np.ndarray, float]], kind: Kind) -> list[_Candidate]:
    """Raw windows from every level and both cascades of a kind, grouped together in original pixels."""
    rects = []
    for pixels, factor in levels:
        for cascade in _cascades(kind, threading.get_ident()):
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


@cache  # an lru_cache without a bound: a few sets, one per pool thread
def _cascades(kind: Kind, thread: int) -> tuple[cv2.CascadeClassifier, ...]:
    """A classifier is not safe to share between threads (checks run in a thread pool): loaded once per
    thread. An empty classifier (a wheel without its data) fails loudly, not silently."""
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
