"""Dataclasses to plain JSON-ready data and back: one helper for stored structured content."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

SCHEMA_VERSION = 1

def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        kind = getattr(type(value), "KIND", None)
        if kind:
            out = {"kind": kind, "schema_version": SCHEMA_VERSION, **out}
        return out
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    conv = _converter(tp)
    return value if conv is None else conv(value)


_Conv = typing.Callable[[Any], Any]


def _converter(tp: Any) -> _Conv | None:
    """How a (non-None) stored value of type `tp` becomes the typed one; None: it is kept as it is.

    Worked out once per field type (see _plan), so reading a stored analysis does not ask the
    typing module about every value of it again."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        non_none = [a for a in args if a is not type(None)]
        return _converter(non_none[0]) if len(non_none) == 1 else None
    if origin in (list, tuple):
        inner = _converter(args[0]) if args else None
        if inner is None:
            return lambda v: list(v) if isinstance(v, (list, tuple)) else []
        return lambda v: ([None if x is None else inner(x) for x in v] if isinstance(v, (list, tuple)) else [])
    if dataclasses.is_dataclass(tp):
        return lambda v: _from_plain(tp, v) if isinstance(v, dict) else v
    return None


_PLANS: dict[type, tuple[tuple[str, _Conv | None], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, _Conv | None], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = _hints(cls)
        plan = _PLANS[cls] = tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))
    return plan


def _from_plain(cls: type, data: dict[str, Any]) -> Any:
    kwargs = {}
    for name, conv in _plan(cls):
        if name in data:
            value = data[name]
            kwargs[name] = value if conv is None or value is None else conv(value)
    return cls(**kwargs)


class Plain:
    """to_dict()/from_dict(): unknown keys are ignored, missing ones take their defaults."""

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return _from_plain(cls, data or {})
