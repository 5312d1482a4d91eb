"""The preview's motion: smooth displacement fields on the portrait, warped with `cv2.remap`.

Nothing is drawn. The face box from the app's face detector places three fields, all in the face's
own units so they fit any portrait size:
- the mouth: the jaw and lower lip slide down and the upper lip up, so the lips part where they meet
  (the lip line: the centre of the reddest rows around 0.78 of the box) and the chin drops, tapering
  towards the cheeks; in a photo the parted band is shaded as a mouth's inside is (not in a flat drawing,
  where a shadow would read as a smudge);
- the blink: the skin above each eye slides down over it, closing it to a line at the lower lid;
- the head: a slow small rotation and shift about the neck, fading out around the head.
A field is a backward map (each output pixel says where in the portrait it comes from), kept below
one pixel of shift per pixel, so the warp stretches and squeezes but never folds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from components.inputs.faces import find_faces

Box = tuple[float, float, float, float]  # left, top, width, height in the rendered frame's pixels
DETECT_SIDES = (360, 720)  # detection runs on a small copy first (fast); a larger one if that finds no face
JAW_DROP = 0.075  # the chin's travel at full loudness, in face heights
UPPER_LIP = 0.02  # the upper lip's rise
LIPS = 0.085  # half the height of the band where the lips part (keeps the stretch below fold)
MOUTH_AT = {"human": 0.78, "cat": 0.8}  # where a face box's mouth usually is
MOUTH_BAND = (0.66, 0.92)  # where to look for a human's lips
LIP_REDNESS = 6.0  # how much redder (R − G, 8-bit) than the skin a row must be to count as lips
SHADOW = np.array([0.4, 0.5, 0.5], np.float32)  # how much a wide-open mouth's inside darkens (R, G, B)
EYES_AT = 0.37  # the eye line in a face box
HEAD_TURN = math.radians(1.6)  # the largest head rotation
HEAD_SHIFT = 0.012  # the largest head shift, in face widths


@dataclass(frozen=True)
class Layout:
    face: Box
    mouth_y: float  # the lip line
    found: bool  # False: no face was detected and the box is a centred guess


def locate(image: Image.Image) -> Layout:
    """The largest detected face (human or cat) in `image`, or a centred guess for a stylised drawing."""
    for side in DETECT_SIDES:
        scale = min(1.0, side / max(image.size))
        small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR)
        faces = find_faces(small)
        if faces:
            box = tuple(v / scale for v in faces[0].box)
            lips = _lip_line(image, box) if faces[0].kind == "human" else None
            return Layout(box, box[1] + MOUTH_AT[faces[0].kind] * box[3] if lips is None else lips, True)
        if scale == 1.0:
            break
    w, h = image.size
    side = min(w * 0.5, h * 0.42)
    box = ((w - side) / 2, h * 0.2, side, side)
    return Layout(box, box[1] + MOUTH_AT["human"] * side, False)


def _lip_line(image: Image.Image, box: Box) -> float | None:
    """Where the lips meet: the centre of the rows redder than the skin around the mouth (lips are)."""
    left, top, width, height = box
    x0, x1 = round(left + 0.34 * width), round(left + 0.66 * width)
    y0, y1 = round(top + MOUTH_BAND[0] * height), round(top + MOUTH_BAND[1] * height)
    rgb = np.asarray(image.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))), dtype=np.float32)
    redness = (rgb[..., 0] - rgb[..., 1]).mean(axis=1)
    excess = np.clip(redness - np.median(redness), 0, None)
    if excess.max(initial=0) < LIP_REDNESS:
        return None
    return y0 + float((excess**2 * np.arange(len(excess))).sum() / (excess**2).sum())


def _photo_likeness(pixels: np.ndarray, box: Box) -> float:
    """1 for a photo, 0 for a flat drawing (its lower face is mostly flat colour): a drawn mouth is a line
    that the stretch thickens, and a shadow there would read as a smudge."""
    left, top, width, height = (max(0, round(v)) for v in box)
    grey = cv2.cvtColor(pixels[top + height // 2 : top + height, left : left + width], cv2.COLOR_RGB2GRAY)
    texture = float(np.median(np.abs(cv2.Laplacian(grey, cv2.CV_16S)))) if grey.size else 0.0
    return min(1.0, texture / 2)


def _smooth(t: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, a smoothstep between."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _hump(t: np.ndarray) -> np.ndarray:
    """1 at 0, falling smoothly to 0 at |t| = 1."""
    return 0.5 * (1 + np.cos(np.pi * np.clip(np.abs(t), 0.0, 1.0)))


def _mouth_profile(u: np.ndarray) -> np.ndarray:
    """The vertical shift (face heights, per unit of loudness) against u = (y − lip line) / face height."""
    rise = -UPPER_LIP * _smooth((u + 0.28) / (0.28 - LIPS))  # nose base still, upper lip up
    part = (UPPER_LIP + JAW_DROP) * _smooth((u + LIPS) / (2 * LIPS))  # the lips part
    neck = -JAW_DROP * _smooth((u - 0.32) / 0.3)  # the chin carries the drop, the neck takes it back
    return rise + part + neck


def _blink_profile(u: np.ndarray) -> np.ndarray:
    """The shift (eye half-heights) that slides the upper lid down, against u = (y − eye line) / eye half-height:
    the skin above the eye stretches over it and the eye is squeezed to a line at the lower lid."""
    return 1.2 * np.where(u < 0.6, _smooth((u + 1.6) / 2.2), 1 - _smooth((u - 0.6) / 0.7))


class Animator:
    """Warps the face's region of a portrait for given mouth openness, blink and head pose."""

    def __init__(self, pixels: np.ndarray, layout: Layout, keep_rows: int = 0) -> None:
        """`keep_rows`: the rows at the top left as they are (under the label banner)."""
        self.pixels = pixels
        height, width = pixels.shape[:2]
        left, top, fw, fh = layout.face
        cx, cy = left + fw / 2, top + fh / 2
        x0, x1 = max(0, int(cx - 1.35 * fw)), min(width, int(cx + 1.35 * fw) + 1)
        y0, y1 = min(max(keep_rows, int(cy - 1.6 * fh)), height - 2), min(height, int(cy + 1.6 * fh) + 1)
        self.roi = (slice(y0, y1), slice(x0, x1))
        xs = np.arange(x0, x1, dtype=np.float32)[None, :]
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        shape = (y1 - y0, x1 - x0)
        self.grid_x, self.grid_y = np.broadcast_to(xs, shape).copy(), np.broadcast_to(ys, shape).copy()
        mouth_x = _hump((xs - cx) / (0.42 * fw))
        self.mouth = (fh * _mouth_profile((ys - layout.mouth_y) / fh) * mouth_x).astype(np.float32)
        # Where the lips part the warp stretches most; the mouth's inside is in shadow there.
        stretch = np.clip(np.gradient(self.mouth, axis=0), 0, None) * _hump((xs - cx) / (0.3 * fw))
        rows, cols = np.nonzero(stretch > 0.05)
        rows, cols = (rows, cols) if len(rows) else (np.zeros(1, int), np.zeros(1, int))  # a mouth off the picture
        self.shade_at = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
        self.shade = stretch[self.shade_at][..., None].astype(np.float32) * _photo_likeness(pixels, layout.face)
        eye_r, eye_y = 0.055 * fh, top + EYES_AT * fh
        eyes_x = _hump((xs - cx + 0.2 * fw) / (0.17 * fw)) + _hump((xs - cx - 0.2 * fw) / (0.17 * fw))
        self.blink = (eye_r * _blink_profile((ys - eye_y) / eye_r) * eyes_x).astype(np.float32)
        # The head turns about the neck; the weight is 1 on the head and fades to 0 well around it.
        q = np.hypot((xs - cx) / (0.8 * fw), (ys - cy) / (0.95 * fh))
        weight = (1 - _smooth((q - 0.8) / 0.8)).astype(np.float32)
        pivot_y = top + 1.1 * fh
        self.weight, self.wx, self.wy = weight, weight * (xs - cx), weight * (ys - pivot_y)
        self.fw = fw

    def frame(self, openness: float, blink: float, turn: float, shift_x: float, shift_y: float) -> np.ndarray:
        """The warped region (for `self.roi`); turn in −1…1 of HEAD_TURN, shifts in −1…1 of HEAD_SHIFT."""
        angle = turn * HEAD_TURN
        cos_1, sin = math.cos(angle) - 1, math.sin(angle)
        map_x = cv2.scaleAdd(self.wx, cos_1, self.grid_x)
        map_x = cv2.scaleAdd(self.wy, -sin, map_x)
        map_x = cv2.scaleAdd(self.weight, -shift_x * HEAD_SHIFT * self.fw, map_x)
        map_y = cv2.scaleAdd(self.wy, cos_1, self.grid_y)
        map_y = cv2.scaleAdd(self.wx, sin, map_y)
        map_y = cv2.scaleAdd(self.weight, -shift_y * HEAD_SHIFT * self.fw, map_y)
        if openness > 0:
            map_y = cv2.scaleAdd(self.mouth, -openness, map_y)
        if blink > 0:
            map_y = cv2.scaleAdd(self.blink, -blink, map_y)
        warped = cv2.remap(self.pixels, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if openness > 0:
            lips = warped[self.shade_at]
            lips[:] = lips * (1 - SHADOW * (openness * self.shade) ** 2)
        return warped


def motion(frame: int, fps: int) -> tuple[float, float, float, float]:
    """Blink (0…1) and head pose (turn, shift x, shift y in −1…1) at a frame: slow, uneven, repeatable."""
    t = frame / fps
    turn = 0.6 * math.sin(2 * math.pi * t / 4.3) + 0.4 * math.sin(2 * math.pi * t / 2.1 + 1.0)
    shift_x = 0.7 * math.sin(2 * math.pi * t / 5.7 + 0.5) + 0.3 * math.sin(2 * math.pi * t / 1.9)
    shift_y = 0.6 * math.sin(2 * math.pi * t / 3.1 + 2.0) + 0.4 * math.sin(2 * math.pi * t / 1.3)
    return _blink_at(t), turn, shift_x, shift_y


BLINK_SECONDS = 0.22
BLINK_GAPS = (1.6, 3.4, 2.7, 4.1, 2.2, 3.8)  # seconds between blinks, cycled: people do not blink on a beat


def _blink_at(t: float) -> float:
    start, index = 0.0, 0
    while True:
        start += BLINK_GAPS[index % len(BLINK_GAPS)]
        if t < start:
            return 0.0
        if t < start + BLINK_SECONDS:
            return math.sin(math.pi * (t - start) / BLINK_SECONDS)
        index += 1
