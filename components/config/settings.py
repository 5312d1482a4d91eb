"""The app's own settings, read from space.yaml and validated once at start-up.

Every problem is a `SettingsError` whose message names the field, so a typo in
space.yaml stops the app with a sentence, not a traceback deep inside a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from components.config import settings_runtime as runtime
from components.config.settings_fields import FieldReader
from components.config.settings_runtime import Budget, Jobs, Storage
from components.config.tts_settings import parse_tts
from components.errors import InputRejected, SettingsError

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.tts_settings import TtsEngine

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "space.yaml"


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


BACKENDS = ("fal", "preview")


@dataclass(frozen=True)
class Model:
    endpoint: str
    label: str
    price_per_second: float
    limits: Limits
    backend: str = "fal"
    # How long a job usually takes, start to video: the page's progress bar and expected finish.
    typical_seconds: float = 240.0


@dataclass(frozen=True)
class Settings:
    models: tuple[Model, ...]
    default_model: str
    jobs: Jobs
    allow_visitor_keys: bool
    budget: Budget
    storage: Storage
    tts: tuple[TtsEngine, ...] = ()
    trusted_proxies: tuple[str, ...] = ()  # see components/spending/identity.py
    # Free work (uploads, local previews, offline voices) a visitor may start in any minute.
    free_per_visitor_per_minute: int = 20

    def default_for(self, server_has_key: bool) -> str:
        """Without a server key the local preview is the default, so Generate works at once."""
        if server_has_key:
            return self.default_model
        previews = [m.endpoint for m in self.models if m.backend == "preview"]
        return previews[0] if previews else self.default_model

    def model(self, endpoint: str) -> Model:
        for model in self.models:
            if model.endpoint == endpoint:
                return model
        known = ", ".join(m.endpoint for m in self.models)
        raise InputRejected(f"Unknown model {endpoint!r}. Choose one of: {known}.")


def load_settings(path: str | Path = DEFAULT_PATH) -> Settings:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML ({exc})") from None
    return parse_settings(raw, source=str(path))


def parse_settings(raw: Any, source: str = "space.yaml") -> Settings:
    reader = FieldReader(source)
    root = reader.mapping(raw, "")
    default_limits = _limits(reader, reader.mapping(reader.get(root, "limits", ""), "limits"), "limits", None)
    model_list = reader.get(root, "models", "")
    if not isinstance(model_list, list) or not model_list:
        raise reader.error("models", "must be a non-empty list", model_list)
    models = tuple(
        _model(reader, reader.mapping(item, f"models[{i}]"), f"models[{i}]", default_limits)
        for i, item in enumerate(model_list)
    )
    default_model = reader.text(root, "default_model", "")
    if default_model not in {m.endpoint for m in models}:
        raise reader.error("default_model", "must be the endpoint of one of the models", default_model)
    keys_raw = reader.mapping(reader.get(root, "keys", ""), "keys")
    allow = reader.get(keys_raw, "allow_visitor_keys", "keys")
    if not isinstance(allow, bool):
        raise reader.error("keys.allow_visitor_keys", "must be true or false", allow)
    return Settings(
        models=models,
        default_model=default_model,
        jobs=runtime.parse_jobs(reader, root),
        allow_visitor_keys=allow,
        budget=runtime.parse_budget(reader, root),
        storage=runtime.parse_storage(reader, root),
        tts=parse_tts(reader, root),
        trusted_proxies=runtime.parse_trusted_proxies(reader, root),
        free_per_visitor_per_minute=runtime.parse_free_work(reader, root),
    )


def _model(reader: FieldReader, raw: dict, where: str, default_limits: Limits) -> Model:
    override = raw.get("limits")
    limits = default_limits
    if override is not None:
        limits = _limits(reader, reader.mapping(override, f"{where}.limits"), f"{where}.limits", default_limits)
    return Model(
        endpoint=reader.text(raw, "endpoint", where),
        label=reader.text(raw, "label", where),
        price_per_second=reader.number(raw, "price_per_second", where, minimum=0),
        limits=limits,
        backend=reader.choice(raw, "backend", where, BACKENDS, default="fal"),
        typical_seconds=reader.number(raw, "typical_seconds", where, minimum=1, default=240),
    )


def _limits(reader: FieldReader, raw: dict, where: str, base: Limits | None) -> Limits:
    """Read a limits block; with a `base`, fields left out keep the base's values."""

    def section(name: str, fallback: Any) -> dict:
        merged = dict(vars(fallback)) if fallback is not None else {}
        if name in raw or fallback is None:
            merged.update(reader.mapping(raw.get(name), f"{where}.{name}"))
        return merged

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
