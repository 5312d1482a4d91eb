"""Portrait checks and conversion with Pillow. Pure logic: no gradio.

An image fal would refuse but Pillow can read (BMP, TIFF, CMYK, 16-bit,
EXIF-rotated, animated, transparent, too many bytes, too many pixels to send)
is converted to an upright 8-bit RGB JPEG instead of refused.

The work per image is bounded before decoding: `Image.open` reads only the
header, so the pixel count is refused there (a 356 KB PNG can declare
13000×13000 16-bit pixels); a big JPEG decodes at reduced size; and a big
image is scaled down first, so every later conversion works on a small one.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError

from components.errors import InputRejected
from components.inputs.pixels import SIDEWAYS, fit, flatten, shrink, small_copy, to_8bit, upright

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings import ImageLimits
    from components.inputs.pixels import Small

_EXIF_ORIENTATION = 0x0112
_WEB_MODES = {"RGB", "RGBA", "L", "LA", "P"}
_PILLOW_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
# WebP and AVIF decode through whole-frame buffers (the codec's, then a copy): measured at 9–15 bytes
# a pixel against ~5 for PNG, TIFF or JPEG, so they may have a third of max_pixels.
_COSTLY_DECODES = {"WEBP": "WebP", "AVIF": "AVIF"}


@dataclass(frozen=True)
class PreparedImage:
    path: Path
    converted: bool
    small: Small | None = None  # of what is sent, when asked for: the face check looks at it


def prepare_image(path: str | Path, limits: ImageLimits, workdir: Path, small_pixels: int = 0) -> PreparedImage:
    """The file to send. With `small_pixels`, also a small copy of it, made from this decode (no second one)."""
    path = Path(path)
    size_bytes = path.stat().st_size
    if size_bytes == 0:
        raise InputRejected("The image file is empty. Upload a portrait photo.")
    with _open(path, limits) as image:
        extension = _PILLOW_FORMATS.get(image.format or "")
        animated = getattr(image, "is_animated", False)  # header only, unlike n_frames
        width, height = image.size
        _load(image, limits.max_side_px_sent)
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
        check_geometry(*((height, width) if orientation in SIDEWAYS else (width, height)), limits)
        too_big = max(width, height) > limits.max_side_px_sent
        needs_conversion = (
            too_big
            or extension not in limits.formats
            or orientation != 1
            or image.mode not in _WEB_MODES
            or animated
            or size_bytes > limits.max_bytes
            or _has_transparency(image)
        )
        if not needs_conversion:
            small = small_copy(image, small_pixels) if small_pixels else None
            return PreparedImage(_named_copy(path, extension, workdir), converted=False, small=small)
        sent = shrink(image, limits.max_side_px_sent)  # first, so every conversion works on the small copy
    return _convert(upright(sent, orientation), limits, workdir, small_pixels)


def _open(path: Path, limits: ImageLimits) -> Image.Image:
    """The header only: refuse too many pixels before a single one is decoded."""
    try:
        image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (a warning, raised when warnings are errors) fires before ours can look.
        raise InputRejected(
            f"The image is too large: over {Image.MAX_IMAGE_PIXELS:,} pixels. "
            f"The limit is {limits.max_pixels:,} pixels."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise _unreadable() from None
    width, height = image.size
    costly = _COSTLY_DECODES.get(image.format or "")
    limit = limits.max_pixels // 3 if costly else limits.max_pixels
    if width * height > limit:
        image.close()
        raise InputRejected(
            f"The image is too large: {width}×{height} px ({width * height:,} pixels). "
            f"The limit is {limit:,} pixels{f' for {costly}' if costly else ''}."
        )
    return image


# A JPEG that libjpeg can decode at 1/2, 1/4 or 1/8 scale to within this share under the longest
# side sent is decoded so and sent at that size: a 4032 px phone photo goes as 2016 px instead of
# 2048 (Kling's video is at most 1080p), which skips the full decode and the resize (~0.4 s of CPU).
_DRAFT_SHARE = 0.95


def _load(image: Image.Image, longest: int) -> None:
    """Decode; a big JPEG decodes at reduced scale (libjpeg's DCT scaling), close to what is sent."""
    if image.format == "JPEG" and max(image.size) > longest:
        image.draft("RGB", fit(image.size, round(longest * _DRAFT_SHARE)))
    try:
        image.load()
    except (OSError, ValueError, EOFError):
        raise _unreadable() from None


def _unreadable() -> InputRejected:
    return InputRejected("The image could not be read. Use a JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF photo.")


def check_geometry(width: int, height: int, limits: ImageLimits) -> None:
    if min(width, height) < limits.min_side_px:
        raise InputRejected(
            f"The image is too small: {width}×{height} px. Each side must be at least {limits.min_side_px} px."
        )
    aspect = width / height
    if not limits.min_aspect <= aspect <= limits.max_aspect:
        raise InputRejected(
            f"The image is too {'wide' if aspect > 1 else 'tall'}: {width}×{height} px "
            f"(aspect {aspect:.2f}). The aspect ratio must be between {limits.min_aspect:g} and {limits.max_aspect:g}."
        )


def _convert(image: Image.Image, limits: ImageLimits, workdir: Path, small_pixels: int) -> PreparedImage:
    target = workdir / "portrait.jpg"
    sent = flatten(to_8bit(image))
    sent.save(target, format="JPEG", quality=92)
    if target.stat().st_size > limits.max_bytes:
        raise InputRejected(
            f"The image is too large even after compression. The limit is {limits.max_bytes / 1e6:g} MB."
        )
    return PreparedImage(target, converted=True, small=small_copy(sent, small_pixels) if small_pixels else None)


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in {"RGBA", "LA"}:
        return image.getchannel("A").getextrema()[0] < 255
    return "transparency" in image.info


def _named_copy(path: Path, extension: str, workdir: Path) -> Path:
    """fal_client takes the MIME type from the file name, so the name must match the content."""
    if path.suffix.lower().lstrip(".") in {extension, "jpeg" if extension == "jpg" else extension}:
        return path
    target = workdir / f"portrait.{extension}"
    shutil.copyfile(path, target)
    return target
