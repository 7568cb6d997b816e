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
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        non_none = [a for a in args if a is not type(None)]
        return _convert(non_none[0], value) if len(non_none) == 1 else value
    if origin in (list, tuple):
        inner = args[0] if args else Any
        return [_convert(inner, v) for v in value] if isinstance(value, (list, tuple)) else []
    if dataclasses.is_dataclass(tp):
        return _from_plain(tp, value) if isinstance(value, dict) else value
    return value


def _from_plain(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


class Plain:
    """to_dict()/from_dict(): unknown keys are ignored, missing ones take their defaults."""

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return _from_plain(cls, data or {})
