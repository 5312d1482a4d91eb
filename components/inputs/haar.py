"""Faces YuNet cannot see — cats and drawn faces — with the Haar cascades bundled in OpenCV's wheel.

Run only when YuNet found no human face: over a pyramid they cost 50–300 ms of CPU a picture.
Human faces: the two `frontalface_alt` cascades (`default` fires far more on textures); cats: the
two `frontalcatface` ones. Photographed faces get 30–70 votes, drawn ones 2–20 (as coins or blotchy
textures can); profiles, strong tilts and faces under a tenth of the long side are missed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageFilter

Kind = Literal["human", "cat"]
Box = tuple[int, int, int, int]  # left, top, width, height

_CASCADES: dict[Kind, tuple[str, ...]] = {
    "human": ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_alt.xml"),
    "cat": ("haarcascade_frontalcatface.xml", "haarcascade_frontalcatface_extended.xml"),
}
WORK_PIXELS = 640 * 640  # the grey copy searched has at most this many pixels
# OpenCV's unfiltered resize drops a drawn face's thin lines at large scales: the pyramid is built here (box
# filter), each level searched only for windows _WINDOW to _WINDOW × _LEVEL_STEP px. The smallest window is
# most of the cost (56 px: 1.5× the CPU of 64, for faces 12% smaller); scaleFactor 1.1 has a third of 1.03's
# windows and votes (drawn faces found about as often, textures less often). minNeighbors=0: grouped later.
_WINDOW, _LEVEL_STEP = 64, 2
_BLUR = 1.5  # px; softens hard drawn edges into the gradients the cascades were trained on
_SEARCH = {"scaleFactor": 1.1, "minNeighbors": 0, "minSize": (_WINDOW,) * 2, "maxSize": (_WINDOW * _LEVEL_STEP,) * 2}
_MIN_VOTES = 2  # raw windows a face needs (gradients and noise get 0, drawn faces 2–20, photos 30–70)
_FAINT = 8  # a candidate with under 1/_FAINT of the best one's votes is texture next to a real face


@dataclass(frozen=True)
class _Candidate:
    box: Box
    kind: Kind
    votes: int


def find(grey: Image.Image) -> list[tuple[Box, Kind]]:
    """Faces in an 8-bit grey picture (of at most WORK_PIXELS), boxes in its pixels, largest first."""
    levels = _levels(grey)
    candidates = _one_per_place([c for kind in _CASCADES for c in _detect(levels, kind)])
    best = max((c.votes for c in candidates), default=0)
    kept = sorted((c for c in candidates if c.votes * _FAINT >= best), key=lambda c: c.box[2] * c.box[3], reverse=True)
    return [(c.box, c.kind) for c in kept]


def _levels(grey: Image.Image) -> list[tuple[np.ndarray, float]]:
    """Box-filtered pyramid levels (blurred) with each one's scale from `grey`."""
    levels, level, factor = [], grey, 1.0
    while min(level.size) >= _WINDOW:
        levels.append((np.asarray(level.filter(ImageFilter.GaussianBlur(_BLUR))), factor))
        factor /= _LEVEL_STEP
        level = grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.BOX)
    return levels


def _detect(levels: list[tuple[np.ndarray, float]], kind: Kind) -> list[_Candidate]:
    """Raw windows from every level and both cascades of a kind, grouped together in `grey`'s pixels."""
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
