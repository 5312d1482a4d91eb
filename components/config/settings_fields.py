"""Typed access to a parsed YAML mapping, naming the offending field in every error."""

from __future__ import annotations

from typing import Any

from components.errors import SettingsError


class FieldReader:
    """Typed field access that names the offending field in its errors."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, field: str, problem: str, value: Any) -> SettingsError:
        return SettingsError(f"{self.source}: `{field}` {problem} (found {value!r})")

    def get(self, raw: dict, name: str, where: str) -> Any:
        if name not in raw:
            raise SettingsError(f"{self.source}: `{_join(where, name)}` is missing")
        return raw[name]

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.error(where or "(top level)", "must be a mapping of settings", value)
        return value

    def text(self, raw: dict, name: str, where: str) -> str:
        value = self.get(raw, name, where)
        if not isinstance(value, str) or not value.strip():
            raise self.error(_join(where, name), "must be a non-empty string", value)
        return value

    def number(
        self, raw: dict, name: str, where: str, minimum: float, integer: bool = False, default: float | None = None
    ) -> float:
        """A number ≥ `minimum`; with a `default`, the field may be left out."""
        if default is not None and name not in raw:
            return float(default)
        value = self.get(raw, name, where)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or (integer and value != int(value)) or value < minimum:
            kind = "a whole number" if integer else "a number"
            raise self.error(_join(where, name), f"must be {kind} ≥ {minimum:g}", value)
        return float(value)

    def flag(self, raw: dict, name: str, where: str, default: bool) -> bool:
        value = raw.get(name, default)
        if not isinstance(value, bool):
            raise self.error(_join(where, name), "must be true or false", value)
        return value

    def choice(self, raw: dict, name: str, where: str, allowed: tuple[str, ...], default: str) -> str:
        value = raw.get(name, default)
        if value not in allowed:
            raise self.error(_join(where, name), f"must be one of {', '.join(allowed)}", value)
        return value

    def formats(self, raw: dict, where: str) -> tuple[str, ...]:
        value = self.get(raw, "formats", where)
        if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(_join(where, "formats"), "must be a non-empty list of file extensions", value)
        return tuple(v.lower().lstrip(".") for v in value)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
