"""Reading one `models:` entry of space.yaml into a `Model`, naming the field in every refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.config.limits import parse_limits
from components.config.models import DEFAULT_FIELDS, ROUNDINGS, SOURCES, Model, Option, PriceRule
from components.config.tts_settings import FIELD_PATH

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.limits import Limits
    from components.config.settings_fields import FieldReader

BACKENDS = ("fal", "preview")
MODEL_KEYS = (
    *("endpoint", "label", "price_per_second", "price", "limits", "backend", "typical_seconds"),
    *("fields", "arguments", "options"),
)
PRICE_KEYS = ("per_second", "by", "min_seconds", "rounding")
OPTION_KEYS = ("field", "label", "choices", "default", "max_seconds")


def parse_model(reader: FieldReader, raw: dict, where: str, default_limits: Limits) -> Model:
    reader.known(raw, where, MODEL_KEYS)
    limits = default_limits
    if raw.get("limits") is not None:
        at = f"{where}.limits"
        limits = parse_limits(reader, reader.mapping(raw["limits"], at), at, default_limits)
    options = _options(reader, raw.get("options", []), f"{where}.options")
    model = Model(
        endpoint=reader.text(raw, "endpoint", where),
        label=reader.text(raw, "label", where),
        price=_price(reader, raw, where, options),
        limits=limits,
        backend=reader.choice(raw, "backend", where, BACKENDS, default="fal"),
        typical_seconds=reader.number(raw, "typical_seconds", where, minimum=1, default=240),
        fields=_fields(reader, raw.get("fields"), f"{where}.fields"),
        arguments=_plain_values(reader, raw.get("arguments", {}), f"{where}.arguments"),
        options=options,
    )
    taken = {name for name, _ in model.fields}
    for option in options:
        if option.field in taken:
            raise reader.error(f"{where}.options", "must not name a field `fields:` already fills", option.field)
    return model.choose(None)


def _fields(reader: FieldReader, value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return DEFAULT_FIELDS
    mapping = reader.mapping(value, where)
    for name, source in mapping.items():
        if not isinstance(name, str) or not FIELD_PATH.match(name) or source not in SOURCES:
            raise reader.error(where, f"must map fal's field names to one of {', '.join(SOURCES)}", {name: source})
    if not {"image", "audio"} <= set(mapping.values()):
        raise reader.error(where, "must send the image and the audio", mapping)
    return tuple(mapping.items())


def _plain_values(reader: FieldReader, value: Any, where: str) -> tuple[tuple[str, Any], ...]:
    mapping = reader.mapping(value, where)
    for name, item in mapping.items():
        # Plain values only: sent as they are, and hashable (a model is a cache key).
        if not isinstance(name, str) or not isinstance(item, (str, int, float, bool)):
            raise reader.error(where, "must map field names to plain values", {name: item})
    return tuple(mapping.items())


def _options(reader: FieldReader, value: Any, where: str) -> tuple[Option, ...]:
    if not isinstance(value, list):
        raise reader.error(where, "must be a list of {field, label, choices, default}", value)
    options = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        raw = reader.known(reader.mapping(item, at), at, OPTION_KEYS)
        choices = reader.get(raw, "choices", at)
        if not isinstance(choices, list) or not choices or not all(isinstance(c, (str, int, float)) for c in choices):
            raise reader.error(f"{at}.choices", "must be a non-empty list of plain values", choices)
        default = raw.get("default", choices[0])
        if default not in choices:
            raise reader.error(f"{at}.default", "must be one of the choices", default)
        longest = _by_choice(reader, raw.get("max_seconds", {}), f"{at}.max_seconds", choices)
        name = reader.text(raw, "field", at)
        label = raw.get("label", name.replace("_", " ").capitalize())
        options.append(Option(name, str(label), tuple(choices), default, longest))
    names = [option.field for option in options]
    if len(set(names)) != len(names):
        raise reader.error(where, "must not list the same field twice", names)
    return tuple(options)


def _price(reader: FieldReader, raw: dict, where: str, options: tuple[Option, ...]) -> PriceRule:
    """`price_per_second: 0.115` (one price), or a `price:` rule: per second, per second by an option's
    value, a minimum billed length and how seconds round."""
    if ("price" in raw) == ("price_per_second" in raw):
        raise reader.error(f"{where}.price", "must be given once: either price_per_second or price", None)
    if "price_per_second" in raw:
        return PriceRule(per_second=reader.number(raw, "price_per_second", where, minimum=0))
    at = f"{where}.price"
    rule = reader.known(reader.mapping(raw["price"], at), at, PRICE_KEYS)
    min_seconds = reader.number(rule, "min_seconds", at, minimum=0, default=0)
    rounding = reader.choice(rule, "rounding", at, ROUNDINGS, default="up")
    by = rule.get("by")
    if by is None:
        price = reader.number(rule, "per_second", at, minimum=0)
        return PriceRule(per_second=price, min_seconds=min_seconds, rounding=rounding)
    option = next((o for o in options if o.field == by), None)
    if option is None:
        raise reader.error(f"{at}.by", "must name one of the model's options", by)
    prices = _by_choice(reader, reader.get(rule, "per_second", at), f"{at}.per_second", list(option.choices))
    if len(prices) != len(option.choices):
        raise reader.error(f"{at}.per_second", f"must price every choice of {by}", dict(prices))
    return PriceRule(by=by, per_choice=prices, min_seconds=min_seconds, rounding=rounding)


def _by_choice(reader: FieldReader, value: Any, where: str, choices: list) -> tuple[tuple[Any, float], ...]:
    """A number per choice of an option, e.g. `{480p: 0.08, 720p: 0.15}`."""
    mapping = reader.mapping(value, where)
    for choice, number in mapping.items():
        numeric = isinstance(number, (int, float)) and not isinstance(number, bool) and number >= 0
        if choice not in choices or not numeric:
            raise reader.error(where, f"must map choices ({', '.join(map(str, choices))}) to numbers", {choice: number})
    return tuple((choice, float(number)) for choice, number in mapping.items())
