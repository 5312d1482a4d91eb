"""Input limits in space.yaml (`limits:`, and a model's own `limits:` over them), validated at start-up."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings_fields import FieldReader


@dataclass(frozen=True)
class ImageLimits:
    formats: tuple[str, ...]
    max_bytes: int
    min_side_px: int
    min_aspect: float
    max_aspect: float
    max_pixels: int  # refused from the header, before any pixel is decoded
    max_side_px_sent: int  # a longer portrait is scaled down to this before any other conversion


@dataclass(frozen=True)
class AudioLimits:
    formats: tuple[str, ...]
    max_bytes: int
    min_seconds: float
    max_seconds: float  # per video at fal; a longer narration is split into parts of at most this
    max_channels: int
    max_sample_rate: int
    max_total_seconds: float = 300.0  # a whole narration, split at pauses and joined again


@dataclass(frozen=True)
class Limits:
    image: ImageLimits
    audio: AudioLimits
    prompt_max_chars: int


def parse_limits(
    reader: FieldReader, raw: dict, where: str, base: Limits | None, extra: tuple[str, ...] = ()
) -> Limits:
    """Read a limits block; with a `base`, fields left out keep the base's values; `extra`: other keys allowed."""

    def section(name: str, fallback: Any) -> dict:
        merged = dict(vars(fallback)) if fallback is not None else {}
        if name in raw or fallback is None:
            given = reader.mapping(raw.get(name), f"{where}.{name}")
            merged.update(reader.known(given, f"{where}.{name}", _NAMES[name]))
        return merged

    reader.known(raw, where, ("image", "audio", "prompt_max_chars", *extra))
    img = section("image", base.image if base else None)
    aud = section("audio", base.audio if base else None)
    at_img, at_aud = f"{where}.image", f"{where}.audio"
    image = ImageLimits(
        formats=reader.formats(img, at_img),
        max_bytes=int(reader.number(img, "max_bytes", at_img, minimum=1, integer=True)),
        min_side_px=int(reader.number(img, "min_side_px", at_img, minimum=1, integer=True)),
        min_aspect=reader.number(img, "min_aspect", at_img, minimum=0.01),
        max_aspect=reader.number(img, "max_aspect", at_img, minimum=0.01),
        max_pixels=int(reader.number(img, "max_pixels", at_img, minimum=1, integer=True)),
        max_side_px_sent=int(reader.number(img, "max_side_px_sent", at_img, minimum=1, integer=True)),
    )
    if image.min_aspect > image.max_aspect:
        raise reader.error(f"{at_img}.min_aspect", "must not exceed max_aspect", image.min_aspect)
    # Scaling the long side down must not push the short side under min_side_px.
    needed = image.min_side_px * max(image.max_aspect, 1 / image.min_aspect)
    if image.max_side_px_sent < needed:
        problem = f"must be ≥ min_side_px × the widest aspect ({needed:g})"
        raise reader.error(f"{at_img}.max_side_px_sent", problem, image.max_side_px_sent)
    max_seconds = reader.number(aud, "max_seconds", at_aud, minimum=0.1)
    audio = AudioLimits(
        formats=reader.formats(aud, at_aud),
        max_bytes=int(reader.number(aud, "max_bytes", at_aud, minimum=1, integer=True)),
        min_seconds=reader.number(aud, "min_seconds", at_aud, minimum=0),
        max_seconds=max_seconds,
        max_channels=int(reader.number(aud, "max_channels", at_aud, minimum=1, integer=True)),
        max_sample_rate=int(reader.number(aud, "max_sample_rate", at_aud, minimum=8000, integer=True)),
        max_total_seconds=reader.number(aud, "max_total_seconds", at_aud, minimum=0.1, default=max(300.0, max_seconds)),
    )
    if audio.min_seconds > audio.max_seconds / 2:
        # Splitting a narration needs room: two parts of at least min_seconds must fit in one max_seconds.
        raise reader.error(f"{at_aud}.min_seconds", "must not exceed half of max_seconds", audio.min_seconds)
    if audio.max_total_seconds < audio.max_seconds:
        raise reader.error(f"{at_aud}.max_total_seconds", "must not be under max_seconds", audio.max_total_seconds)
    prompt_source = raw if "prompt_max_chars" in raw or base is None else vars(base)
    prompt_max = reader.number(prompt_source, "prompt_max_chars", where, minimum=1, integer=True)
    return Limits(image=image, audio=audio, prompt_max_chars=int(prompt_max))


_NAMES = {"image": tuple(f.name for f in fields(ImageLimits)), "audio": tuple(f.name for f in fields(AudioLimits))}
