"""Portrait checks and conversion with Pillow. Pure logic: no gradio.

An image fal would refuse but Pillow can read (BMP, TIFF, CMYK, 16-bit,
EXIF-rotated, animated, transparent, too many bytes) is converted to an
upright 8-bit RGB JPEG instead of refused.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from components.errors import InputRejected
from components.settings import ImageLimits

_EXIF_ORIENTATION = 0x0112
_WEB_MODES = {"RGB", "RGBA", "L", "LA", "P"}
# When the bytes are over the limit, this long side keeps every detail Kling uses.
_DOWNSCALE_LONG_SIDE = 2048
_PILLOW_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}


@dataclass(frozen=True)
class PreparedImage:
    path: Path
    converted: bool


def prepare_image(path: str | Path, limits: ImageLimits, workdir: Path) -> PreparedImage:
    path = Path(path)
    if path.stat().st_size == 0:
        raise InputRejected("The image file is empty. Upload a portrait photo.")
    image = _open(path)
    upright = ImageOps.exif_transpose(image)
    _check_geometry(upright.width, upright.height, limits)
    extension = _PILLOW_FORMATS.get(image.format or "")
    needs_conversion = (
        extension not in limits.formats
        or _has_transparency(image)
        or image.getexif().get(_EXIF_ORIENTATION, 1) != 1
        or image.mode not in _WEB_MODES
        or getattr(image, "n_frames", 1) > 1
        or path.stat().st_size > limits.max_bytes
    )
    if not needs_conversion:
        return PreparedImage(_named_copy(path, extension, workdir), converted=False)
    return _convert(upright, limits, workdir)


def _open(path: Path) -> Image.Image:
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise InputRejected(
            "The image could not be read. Use a JPEG, PNG, WebP, GIF, AVIF, BMP or TIFF photo."
        ) from None
    return image


def _check_geometry(width: int, height: int, limits: ImageLimits) -> None:
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


def _convert(upright: Image.Image, limits: ImageLimits, workdir: Path) -> PreparedImage:
    frame = _flatten(_to_8bit(upright))
    target = workdir / "portrait.jpg"
    frame.save(target, format="JPEG", quality=92)
    if target.stat().st_size > limits.max_bytes:
        frame.thumbnail((_DOWNSCALE_LONG_SIDE, _DOWNSCALE_LONG_SIDE))
        frame.save(target, format="JPEG", quality=92)
    if target.stat().st_size > limits.max_bytes:
        raise InputRejected(
            f"The image is too large even after compression. The limit is {limits.max_bytes / 1e6:g} MB."
        )
    return PreparedImage(target, converted=True)


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in {"RGBA", "LA"}:
        return image.getchannel("A").getextrema()[0] < 255
    return "transparency" in image.info


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels onto white: Kling would otherwise render them black."""
    if not (image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scale 16- and 32-bit greyscale to 8 bits (Pillow's convert would clip)."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        pixels = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if pixels.max(initial=0) > 255 else 255.0
        return Image.fromarray((pixels / peak * 255).clip(0, 255).astype(np.uint8), mode="L")
    if image.mode == "F":
        return Image.fromarray(np.asarray(image).clip(0, 255).astype(np.uint8), mode="L")
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


def _named_copy(path: Path, extension: str, workdir: Path) -> Path:
    """fal_client takes the MIME type from the file name, so the name must match the content."""
    if path.suffix.lower().lstrip(".") in {extension, "jpeg" if extension == "jpg" else extension}:
        return path
    target = workdir / f"portrait.{extension}"
    shutil.copyfile(path, target)
    return target
