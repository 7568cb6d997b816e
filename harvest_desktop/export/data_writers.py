"""CSV (quizzes and flashcards), versioned JSON, and the JSON Schema each JSON export follows.

CSV columns (one row per item, UTF-8 with a byte-order mark so spreadsheets detect the encoding;
a cell that begins with = + - @, a tab or a carriage return is prefixed with ' so no spreadsheet
runs it as a formula):

quiz:        number, type, question, options (" | "-separated), answer, explanation, concept,
             chapter, source, page, section, passage
flashcards:  number, id, kind, front, back, cloze, tags (space-separated), concept, chapter,
             source, page, section, passage
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from harvest_desktop.core.plain import SCHEMA_VERSION
from harvest_desktop.export.docmodel import OutputMeta
from harvest_desktop.formats import schema as s

QUIZ_COLUMNS = ["number", "type", "question", "options", "answer", "explanation", "concept", "chapter",
                "source", "page", "section", "passage"]
CARD_COLUMNS = ["number", "id", "kind", "front", "back", "cloze", "tags", "concept", "chapter", "source",
                "page", "section", "passage"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> str:
    """A spreadsheet never evaluates what Harvest exports."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cite(c: s.Citation | None) -> list[Any]:
    if c is None:
        return ["", "", "", ""]
    return [c.title, c.page or "", c.section, c.quote]


def render_csv(content: Any) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if isinstance(content, s.Quiz):
        w.writerow(QUIZ_COLUMNS)
        for i, q in enumerate(content.questions, 1):
            options = q.options or [p.right for p in q.pairs]
            answer = q.answer or "; ".join(f"{p.left} = {p.right}" for p in q.pairs)
            w.writerow([neutralise(v) for v in [i, q.type, q.prompt, " | ".join(options), answer, q.explanation,
                                                q.concept, q.chapter, *_cite(q.citation)]])
    elif isinstance(content, s.Flashcards):
        w.writerow(CARD_COLUMNS)
        for i, c in enumerate(content.cards, 1):
            w.writerow([neutralise(v) for v in [i, c.id, c.kind, c.front, c.back, c.cloze, " ".join(c.tags),
                                                c.concept, c.chapter, *_cite(c.citation)]])
    else:
        raise ValueError(f"CSV holds quizzes and flashcards, not {getattr(content, 'kind', '?')}")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


SCHEMA_BASE = "https://harvest.invalid/schemas"  # identifiers only; nothing is fetched from them


def schema_id(kind: str) -> str:
    return f"{SCHEMA_BASE}/{kind}.v{SCHEMA_VERSION}.schema.json"


def render_json(content: Any, meta: OutputMeta) -> bytes:
    payload = {
        "$schema": schema_id(content.kind),
        "format": content.kind,
        "format_version": SCHEMA_VERSION,
        "output": {"id": meta.output_id, "title": meta.title, "engine": meta.engine,
                   "route_reason": meta.route_reason, "created_at": meta.created_at},
        "content": content.to_dict(),
    }
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- JSON Schema, derived from the dataclasses so it cannot drift from what is written -------------

def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    import dataclasses
    import types
    import typing

    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        inner = [a for a in args if a is not type(None)]
        sub = _type_schema(inner[0], defs) if len(inner) == 1 else {}
        return {"anyOf": [sub, {"type": "null"}]}
    if origin in (list, tuple):
        return {"type": "array", "items": _type_schema(args[0], defs) if args else {}}
    if origin is dict:
        return {"type": "object"}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    return {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
            bool: {"type": "boolean"}}.get(tp, {})


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    import dataclasses
    import typing

    hints = typing.get_type_hints(cls)
    props = {f.name: _type_schema(hints[f.name], defs) for f in dataclasses.fields(cls)}
    required = [f.name for f in dataclasses.fields(cls)]
    kind = getattr(cls, "KIND", "")
    if kind:
        props = {"kind": {"const": kind}, "schema_version": {"type": "integer"}, **props}
        required = ["kind", "schema_version", *required]
    return {"type": "object", "properties": props, "required": required}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema a Harvest JSON export of this format validates against."""
    cls = s.CONTENT_TYPES[kind]
    defs: dict[str, Any] = {}
    content = _object_schema(cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(kind),
        "title": f"Harvest {kind} export, version {SCHEMA_VERSION}",
        "type": "object",
        "required": ["format", "format_version", "output", "content"],
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": kind},
            "format_version": {"const": SCHEMA_VERSION},
            "output": {"type": "object", "properties": {
                "id": {"type": ["integer", "null"]}, "title": {"type": "string"},
                "engine": {"type": "string"}, "route_reason": {"type": "string"},
                "created_at": {"type": "string"}}},
            "content": content,
        },
        "$defs": defs,
    }


def write_schemas(folder) -> list:
    """Regenerate resources/schemas (python -m harvest_desktop.export.data_writers)."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in s.CONTENT_TYPES:
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    from harvest_desktop.core import paths

    for p in write_schemas(paths.resources_dir() / "schemas"):
        print(p)
