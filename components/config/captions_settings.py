"""`captions:` in space.yaml: the speech-to-text endpoint that hears a recorded or uploaded voice, and its price.

A typed script's captions need no recognition (the words are known) and cost nothing; only a voice the app
did not speak is sent to fal's speech-to-text, paid like a voice. Its price is a setting because fal prints
none we can read: the shipped figure errs high, and the owner should check it on fal's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings_fields import FieldReader

_KEYS = ("endpoint", "price_per_minute", "rounding", "language")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # fal's enumeration: ISO 639-1 codes, and `haw`


@dataclass(frozen=True)
class CaptionsSettings:
    endpoint: str = "fal-ai/wizper"
    price_per_minute: float = 0.01
    rounding: str = "up"  # up: every started minute is billed whole; exact: by the second
    language: str | None = None  # None: fal detects the language (a fixed one mishears every other)


def parse_captions(reader: FieldReader, root: dict) -> CaptionsSettings:
    raw = reader.known(reader.mapping(root.get("captions", {}), "captions"), "captions", _KEYS)
    default = CaptionsSettings()
    endpoint = reader.text(raw, "endpoint", "captions") if "endpoint" in raw else default.endpoint
    language = raw.get("language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE.match(language)):
        raise reader.error("captions.language", "must be a language code such as en, or null to detect it", language)
    return CaptionsSettings(
        endpoint=endpoint,
        price_per_minute=reader.number(raw, "price_per_minute", "captions", 0, default=default.price_per_minute),
        rounding=reader.choice(raw, "rounding", "captions", ("up", "exact"), default.rounding),
        language=language,
    )
