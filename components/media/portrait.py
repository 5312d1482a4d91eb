"""The portrait as Kling will get it: prepared (bounded, converted), then checked for a face.

A portrait outside the aspect limits with a face in it is cropped around the (largest) face
instead of refused. No face: refused with the detector's sentence unless the visitor chose to
go ahead anyway (the detectors can miss stylised faces), since Kling would refuse it only after
minutes in the queue. The face check looks at a small copy made from the decode the portrait
needs anyway, and remembers the visitor's file, so checking it again costs no detection.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PIL import Image

from components.errors import InputRejected
from components.media.faces import check_portrait, remembers
from components.media.haar import WORK_PIXELS
from components.media.image import check_geometry, prepare_image
from components.settings import ImageLimits

_EXIF_ORIENTATION = 0x0112
_SIDEWAYS = {5, 6, 7, 8}
GO_AHEAD = " To go ahead anyway, tick “Go ahead without a face check” (over the API: skip_face_check=true)."


def prepare_portrait(
    path: str | Path, limits: ImageLimits, workdir: Path, skip_face_check: bool
) -> tuple[Path, str | None]:
    """The file to send and, when there is one, a note for the visitor (a crop, or which face of several)."""
    any_aspect = dataclasses.replace(limits, min_aspect=1e-6, max_aspect=1e6)
    small_pixels = 0 if remembers(path) else WORK_PIXELS  # a second look (Generate after the readiness line) is free
    prepared = prepare_image(path, any_aspect, workdir, small_pixels)
    check = check_portrait(prepared.path, limits, original=path, small=prepared.small)
    if check.cropped is not None:
        target = workdir / "portrait-cropped.jpg"
        check.cropped.convert("RGB").save(target, format="JPEG", quality=92)
        return target, check.message
    check_geometry_of(Path(path), limits)  # outside the aspect limits and no face to crop around
    if not check.faces and not skip_face_check:
        raise InputRejected(check.message + GO_AHEAD)
    return prepared.path, check.message if len(check.faces) > 1 else None


def check_geometry_of(original: Path, limits: ImageLimits) -> None:
    """The original's aspect, from its header (already read safely by prepare_image), as Kling sees it upright."""
    with Image.open(original) as opened:
        width, height = opened.size
        if opened.getexif().get(_EXIF_ORIENTATION, 1) in _SIDEWAYS:
            width, height = height, width
    check_geometry(width, height, limits)
