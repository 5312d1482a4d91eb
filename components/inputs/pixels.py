"""Pixel work on a decoded portrait, with memory bounded: scaling first, then conversions on the small copy.

At the pixel limit a full-size RGBA image is 160 MB; Pillow's own resize of it would first
make a second, premultiplied full-size copy. Here the full size is box-averaged a band at a
time, and the full-size image is freed as soon as a smaller copy replaces it. The face check's small
copy is made from the decode the portrait needs anyway; from a file, a JPEG decodes small (1/2–1/8 scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

# EXIF orientation → the transpose that makes the picture upright (as ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SIDEWAYS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112
# Averaging palette indices or single bits means nothing: these get their colours before scaling
# (at most 4 bytes a pixel under max_pixels: the one conversion done at full size).
_COLOURED = {"P": "RGB", "PA": "RGBA", "1": "L"}
_BAND_ROWS = 512  # rows box-averaged at a time: a band of a 10000 px wide RGBA image is 20 MB


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    scale = longest / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def shrink(image: Image.Image, longest: int) -> Image.Image:
    """The long side down to `longest` (box average, then Lanczos); an image within it is returned as is.

    `image` is closed once a smaller copy replaces it, so its full-size pixels are freed early.
    """
    if max(image.size) <= longest:
        return image
    full = _coloured(image)
    if full is not image:
        image.close()
    scale = max(full.size) / longest
    # A whole factor ≥ 2 whenever the scale allows, so Lanczos never resamples the full size;
    # it keeps a gap of about 2 for the smooth finish (as Pillow's reducing_gap does).
    factor = max(2, int(scale / 2)) if scale >= 2 and full.mode not in {"I;16", "I;16B", "I;16L"} else 1
    small = reduce_in_bands(full, factor) if factor > 1 else full
    if small is not full:
        full.close()
    return small.resize(fit(small.size, longest), Image.Resampling.LANCZOS)


def _coloured(image: Image.Image) -> Image.Image:
    if image.mode == "PA" or "transparency" in image.info:
        return image.convert("RGBA")  # a transparent colour or index would not survive resampling
    if image.mode in _COLOURED:
        return image.convert(_COLOURED[image.mode])
    return image


def reduce_in_bands(image: Image.Image, factor: int) -> Image.Image:
    """`image.reduce(factor)`, a band of whole boxes at a time: the same pixels, without a full-size copy."""
    width, height = image.size
    rows = factor * max(1, _BAND_ROWS // factor)
    reduced = Image.new(image.mode, (math.ceil(width / factor), math.ceil(height / factor)))
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(top + rows, height)))
        reduced.paste(band.reduce(factor), (0, top // factor))
    return reduced


def upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels onto white: Kling would otherwise render them black."""
    if not (image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def to_8bit(image: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale to 8 bits by an integer shift (Pillow's convert would clip)."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        pixels = np.asarray(image)
        if pixels.max(initial=0) > 255:
            pixels = pixels >> 8
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    if image.mode == "F":
        return Image.fromarray(np.asarray(image).clip(0, 255).astype(np.uint8))
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


@dataclass(frozen=True)
class Small:
    """A small upright 8-bit RGB copy of a picture, transparency on white (as Kling gets it), and the
    picture's own upright size: what the face check looks at."""

    image: Image.Image
    size: tuple[int, int]


def small_copy(image: Image.Image, max_pixels: int) -> Small:
    """Of an upright decoded picture, at most `max_pixels` (box-averaged): a few ms beside its decode."""
    scale = min(1.0, math.sqrt(max_pixels / (image.width * image.height)))
    size = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    coloured = image if image.mode in {"RGB", "L"} else flatten(to_8bit(image))  # palettes and alpha first
    small = coloured.resize(size, Image.Resampling.BOX, reducing_gap=2.0) if size != image.size else coloured
    return Small(small.convert("RGB"), image.size)  # convert copies: the caller may close `image`


def small_copy_of(path: Path, max_pixels: int) -> Small:
    """Of a file, upright; a JPEG decodes at 1/2, 1/4 or 1/8 scale where that is still as large (libjpeg)."""
    with Image.open(path) as opened:
        orientation = opened.getexif().get(_EXIF_ORIENTATION, 1)
        width, height = opened.size
        scale = min(1.0, math.sqrt(max_pixels / (width * height)))
        if opened.format == "JPEG":
            opened.draft("RGB", (round(width * scale), round(height * scale)))
        small = small_copy(opened, max_pixels).image
    return Small(upright(small, orientation), (height, width) if orientation in SIDEWAYS else (width, height))


def crop_around(
    image: Image.Image, box: tuple[int, int, int, int], min_aspect: float, max_aspect: float, min_side: int
) -> Image.Image | None:
    """The largest crop within the aspect limits, centred on `box` (left, top, width, height) as far as the
    image allows. An image already within the limits is its own largest crop; None when no crop keeps both
    sides ≥ min_side."""
    width, height = image.size
    crop_w, crop_h = width, height
    if width > height * max_aspect:
        crop_w = int(height * max_aspect)
    elif width < height * min_aspect:
        crop_h = int(width / min_aspect)
    # int() rounds towards the limit's inside, but equal limits can still leave no whole-pixel fit.
    if min(crop_w, crop_h) < min_side or not min_aspect <= crop_w / crop_h <= max_aspect:
        return None
    left, top, box_w, box_h = box
    x = min(max(round(left + (box_w - crop_w) / 2), 0), width - crop_w)  # centred, then kept inside
    y = min(max(round(top + (box_h - crop_h) / 2), 0), height - crop_h)
    return image.crop((x, y, x + crop_w, y + crop_h))
