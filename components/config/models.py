"""A model is data: what fal receives (`fields`, fixed `arguments`, visitor-facing `options`), its price
rule and its limits, all from one `models:` entry in space.yaml — a model of these shapes needs no code.

Pure: the request's arguments and the price for a choice of options are worked out here, so the
page, the estimate, the caps, the backend and the API descriptions all read the same entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from components.errors import InputRejected

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from collections.abc import Mapping

    from components.config.limits import Limits

Value = str | int | float | bool
SOURCES = ("image", "audio", "prompt")  # what a visitor gives, for `fields:` to map onto fal's fields
DEFAULT_FIELDS = (("image_url", "image"), ("audio_url", "audio"), ("prompt", "prompt"))
ROUNDINGS = ("up", "exact")  # up: whole seconds rounded up (the cautious reading); exact: as measured
# A blank prompt, or the page's "." (Kling's own default), means none was given.
NO_PROMPT = ("", ".")


@dataclass(frozen=True)
class Option:
    """A choice the visitor makes, sent as fal's field `field` (e.g. resolution)."""

    field: str
    label: str
    choices: tuple[Value, ...]
    default: Value
    # Some models take shorter audio at a higher setting: the longest clip per choice.
    max_seconds: tuple[tuple[Value, float], ...] = ()


@dataclass(frozen=True)
class PriceRule:
    per_second: float = 0.0  # one price, when `by` is None
    by: str | None = None  # the option whose value picks the price
    per_choice: tuple[tuple[Value, float], ...] = ()
    min_seconds: float = 0.0  # a shorter video is billed as this long
    rounding: str = "up"

    def for_choice(self, chosen: Mapping[str, Value]) -> float:
        if self.by is None:
            return self.per_second
        return dict(self.per_choice)[chosen[self.by]]

    @property
    def prices(self) -> tuple[float, ...]:
        return tuple(price for _, price in self.per_choice) if self.by else (self.per_second,)


@dataclass(frozen=True)
class Model:
    endpoint: str
    label: str
    price: PriceRule
    limits: Limits
    backend: str = "fal"
    # How long a job usually takes, start to video: the page's progress bar and expected finish.
    typical_seconds: float = 240.0
    fields: tuple[tuple[str, str], ...] = DEFAULT_FIELDS  # fal's field → image, audio or prompt
    arguments: tuple[tuple[str, Value], ...] = ()  # sent with every request (a visitor's prompt wins)
    options: tuple[Option, ...] = ()
    chosen: tuple[tuple[str, Value], ...] = ()  # this job's options, every one filled in

    @property
    def price_per_second(self) -> float:
        """The price for the chosen options (the defaults unless `choose` was called)."""
        return self.price.for_choice(dict(self.chosen))

    @property
    def paid_somewhere(self) -> bool:
        return any(price > 0 for price in self.price.prices)

    def choose(self, options: Mapping[str, Any] | None) -> Model:
        """This model with the visitor's options (unknown names or values refused, the rest defaulted)."""
        given = dict(options or {})
        known = {option.field: option for option in self.options}
        for name, value in given.items():
            if name not in known:
                raise InputRejected(f"{self.label} has no option {name!r}. Its options: {', '.join(known) or 'none'}.")
            if value not in known[name].choices:
                allowed = ", ".join(str(choice) for choice in known[name].choices)
                raise InputRejected(f"{self.label}: {name} must be one of {allowed} (not {value!r}).")
        chosen = tuple((o.field, given.get(o.field, o.default)) for o in self.options)
        return replace(self, chosen=chosen, limits=_limits_for(self.limits, self.options, dict(chosen)))

    def fit(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Only the options this model has, with values it takes: a page switching models sends the
        previous model's options for a moment, and a live estimate should not fail on them."""
        known = {option.field: option.choices for option in self.options}
        return {name: value for name, value in (options or {}).items() if value in known.get(name, ())}

    def request(self, image_url: str, audio_url: str, prompt: str) -> dict[str, Value]:
        """The JSON fal receives: fixed arguments, the mapped inputs, then the chosen options."""
        given = {"image": image_url, "audio": audio_url, "prompt": None if prompt in NO_PROMPT else prompt}
        arguments: dict[str, Value] = dict(self.arguments)
        arguments.update({name: given[source] for name, source in self.fields if given[source] is not None})
        arguments.update(self.chosen)
        return arguments


def read_options(value: object) -> dict[str, Any]:
    """A caller's options as a mapping: a dict, its JSON text, or nothing (every default)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InputRejected('Options must be a JSON object, e.g. {"resolution": "720p"}.') from None
    if not isinstance(value, dict):
        raise InputRejected('Options must be a JSON object, e.g. {"resolution": "720p"}.')
    return value


def _limits_for(limits: Limits, options: tuple[Option, ...], chosen: dict[str, Value]) -> Limits:
    for option in options:
        longest = dict(option.max_seconds).get(chosen[option.field])
        if longest is not None:
            total = max(limits.audio.max_total_seconds, longest)
            audio = replace(limits.audio, max_seconds=longest, max_total_seconds=total)
            limits = replace(limits, audio=audio)
    return limits
