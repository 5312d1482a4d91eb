"""The portrait as Kling will get it: prepared (bounded, converted), then checked for a face.

A portrait outside the aspect limits with a face in it is cropped around the (largest) face
instead of refused. No face: refused with the detector's sentence unless the visitor chose to
go ahead anyway (the detectors can miss stylised faces), since Kling would refuse it only after
minutes in the queue. The face check looks at a small copy made from the decode the portrait
needs anyway; the checked-inputs cache keeps the result by content, so nothing is looked at twice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from components.errors import InputRejected
from components.inputs.faces import check_portrait
from components.inputs.haar import WORK_PIXELS
from components.inputs.image import check_geometry, prepare_image

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import ImageLimits

_EXIF_ORIENTATION = 0x0112
_SIDEWAYS = {5, 6, 7, 8}
GO_AHEAD = " To go ahead anyway, tick “Go ahead without a face check” (over the API: skip_face_check=true)."


@dataclass(frozen=True)
class Portrait:
    """A portrait examined once, whatever `skip_face_check` says: it only decides whether `no_face` refuses."""

    path: Path
    note: str | None  # a crop, or which face of several
    no_face: str | None = None  # the refusal when no face was found and the visitor did not choose to go ahead


def prepare_portrait(
    path: str | Path, limits: ImageLimits, workdir: Path, skip_face_check: bool
) -> tuple[Path, str | None]:
    """The file to send and, when there is one, a note for the visitor (a crop, or which face of several)."""
    portrait = examine_portrait(path, limits, workdir)
    if portrait.no_face is not None and not skip_face_check:
        raise InputRejected(portrait.no_face)
    return portrait.path, portrait.note


def examine_portrait(path: str | Path, limits: ImageLimits, workdir: Path) -> Portrait:
    """Prepared and checked for a face; refuses only what no choice of the visitor's could send."""
    any_aspect = dataclasses.replace(limits, min_aspect=1e-6, max_aspect=1e6)
    prepared = prepare_image(path, any_aspect, workdir, WORK_PIXELS)  # the face check's copy from this decode
    check = check_portrait(prepared.path, limits, small=prepared.small)
    if check.cropped is not None:
        target = workdir / "portrait-cropped.jpg"
        check.cropped.convert("RGB").save(target, format="JPEG", quality=92)
        return Portrait(target, check.message)
    check_geometry_of(Path(path), limits)  # outside the aspect limits and no face to crop around
    no_face = None if check.faces else check.message + GO_AHEAD
    return Portrait(prepared.path, check.message if len(check.faces) > 1 else None, no_face)


def check_geometry_of(original: Path, limits: ImageLimits) -> None:
    """The original's aspect, from its header (already read safely by prepare_image), as Kling sees it upright."""
    with Image.open(original) as opened:
        width, height = opened.size
        if opened.getexif().get(_EXIF_ORIENTATION, 1) in _SIDEWAYS:
            width, height = height, width
    check_geometry(width, height, limits)
