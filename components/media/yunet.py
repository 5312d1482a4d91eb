"""Human faces with YuNet, the small face-detection network OpenCV runs as `cv2.FaceDetectorYN`.

About 10 ms of CPU on a 320-px copy, and it sees what frontal Haar cascades cannot: three-quarter
profiles, tilted heads, faces a twentieth of the picture. It knows human faces only (the Haar
cascades in `haar.py` stay for cats and drawn faces). The model is a file beside this module
(`models/SOURCES.md` says where it comes from and under which licence); its SHA-256 is checked at
start-up, so a truncated or swapped file stops the app with one clear line instead of checks that
quietly find nothing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from components.errors import SettingsError

MODEL = Path(__file__).resolve().parent / "models" / "yunet_s_320_320.onnx"
MODEL_SHA256 = "beb05bf2378aee45cd7c41056da07265b7bb91041ed1b06f923819a9c744ec36"
# Where the model is looked for instead of MODEL, for a deployment that keeps it outside the code.
MODEL_ENV = "KLING_FACE_MODEL"
SIDE = 320  # the copy's longest side: a frontal face from ~13 px high (a 25th of it) is found, a profile needs more
# Real faces score 0.85–0.95, three-quarter profiles about 0.90 (OpenCV's 0.9 default refuses some);
# the LFW sample's backgrounds and scikit-image's photos of things stay under 0.7 (most under 0.4); the
# app's drawn person scores 0.72 (the cascades would find it anyway).
MIN_SCORE = 0.7
_NMS = 0.3  # boxes overlapping more than this are one face
Box = tuple[int, int, int, int]  # left, top, width, height


def model_path() -> Path:
    return Path(os.environ.get(MODEL_ENV) or MODEL)


def check_model(path: Path | None = None) -> None:
    """At start-up: the model is there and is the file the thresholds above were measured with."""
    path = path or model_path()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise SettingsError(f"The face detector's model {path} cannot be read ({exc.strerror}).") from None
    if digest != MODEL_SHA256:
        raise SettingsError(
            f"The face detector's model {path} is not the expected file (SHA-256 {digest}, expected {MODEL_SHA256})."
        )


def detect(rgb: np.ndarray) -> list[tuple[Box, float]]:
    """Faces scoring at least MIN_SCORE in an 8-bit RGB picture, boxes in its pixels, largest first."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SIDE / max(width, height))
    size = max(1, round(width * scale)), max(1, round(height * scale))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    detector = _detector(str(model_path()), threading.get_ident())
    detector.setInputSize(size)
    _, found = detector.detect(np.ascontiguousarray(small[:, :, ::-1]))  # the network was trained on BGR
    rows = found if found is not None else ()
    boxes = [(_clipped(row[:4] / scale, width, height), float(row[14])) for row in rows]
    kept = [(box, score) for box, score in boxes if box[2] > 0 and box[3] > 0]
    return sorted(kept, key=lambda item: item[0][2] * item[0][3], reverse=True)


def _clipped(xywh: np.ndarray, width: int, height: int) -> Box:
    """Inside the picture: a face at the edge may be boxed partly outside it."""
    left, top = max(0, round(xywh[0])), max(0, round(xywh[1]))
    right, bottom = min(width, round(xywh[0] + xywh[2])), min(height, round(xywh[1] + xywh[3]))
    return left, top, right - left, bottom - top


@cache  # one detector per thread: an OpenCV network is not safe to share between threads
def _detector(path: str, thread: int) -> cv2.FaceDetectorYN:
    return cv2.FaceDetectorYN.create(path, "", (SIDE, SIDE), MIN_SCORE, _NMS, 50)
