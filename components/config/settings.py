"""The app's own settings, read from space.yaml and validated once at start-up.

Every problem is a `SettingsError` whose message names the field, so a typo in
space.yaml stops the app with a sentence, not a traceback deep inside a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from components.config import settings_runtime as runtime
from components.config.captions_settings import CaptionsSettings, parse_captions
from components.config.limits import AudioLimits, ImageLimits, Limits, parse_limits
from components.config.model_parse import parse_model
from components.config.models import Model
from components.config.settings_fields import FieldReader
from components.config.settings_runtime import Budget, Jobs, Storage
from components.config.tts_settings import parse_tts
from components.errors import InputRejected, SettingsError

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.tts_settings import TtsEngine

# Re-exported: the rest of the app names every settings type from here.
__all__ = ["AudioLimits", "Budget", "ImageLimits", "Jobs", "Limits", "Model", "Settings", "Storage", "load_settings"]
ROOT_KEYS = (
    "default_model",
    "limits",
    "models",
    "jobs",
    "budget",
    "identity",
    "storage",
    "keys",
    "tts",
    "captions",
    "sharing",
)
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "space.yaml"


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
    captions: CaptionsSettings = CaptionsSettings()  # a recorded voice's captions: fal's speech-to-text
    # Share links: anyone holding one watches that video; off, none is made and none opens.
    sharing_enabled: bool = True

    def default_for(self, server_has_key: bool) -> str:
        """Without a server key the local preview is the default, so Generate works at once."""
        if server_has_key:
            return self.default_model
        previews = [m.endpoint for m in self.models if m.backend == "preview"]
        return previews[0] if previews else self.default_model

    def model(self, endpoint: str, options: Mapping[str, Any] | None = None) -> Model:
        """The model, with the visitor's `options` (checked against its choices) or its defaults."""
        for model in self.models:
            if model.endpoint == endpoint:
                return model.choose(options) if options else model
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
    root = reader.known(reader.mapping(raw, ""), "", ROOT_KEYS)
    shared = reader.mapping(reader.get(root, "limits", ""), "limits")
    default_limits = parse_limits(reader, shared, "limits", None, extra=("free_per_visitor_per_minute",))
    model_list = reader.get(root, "models", "")
    if not isinstance(model_list, list) or not model_list:
        raise reader.error("models", "must be a non-empty list", model_list)
    models = tuple(
        parse_model(reader, reader.mapping(item, f"models[{i}]"), f"models[{i}]", default_limits)
        for i, item in enumerate(model_list)
    )
    default_model = reader.text(root, "default_model", "")
    if default_model not in {m.endpoint for m in models}:
        raise reader.error("default_model", "must be the endpoint of one of the models", default_model)
    keys_raw = reader.known(reader.mapping(reader.get(root, "keys", ""), "keys"), "keys", ("allow_visitor_keys",))
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
        captions=parse_captions(reader, root),
        sharing_enabled=runtime.parse_sharing(reader, root),
    )
