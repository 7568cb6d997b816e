"""A person's edits to a stored output, made on its structured content (never on its Markdown), so
every exporter sees them: the text fields of each item listed for an editor, edits applied back.

Citations, sources and ids are never offered for editing: an edited item keeps the passages it
rests on, and is marked `status: "edited"` (the grounding check ran on the model's words, not on
the person's).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from harvest_desktop.core.errors import KnownError

# Fields a person writes; everything else (citations, sources, ids, grounding, tags) is kept as is.
TEXT_FIELDS = ("title", "heading", "question", "prompt", "text", "term", "definition", "front", "back", "cloze",
               "answer", "explanation", "narration", "on_screen_text", "broll", "left", "right")
NUMBER_FIELDS = ("duration_s",)  # numbers a person may change, edited as text and read back as numbers
LONG_FIELDS = {"text", "definition", "back", "cloze", "explanation", "narration", "broll", "right", "prompt"}
SKIP = {"citations", "citation", "sources", "grounding", "concept_map", "kind", "id", "tags", "status", "pairs_order"}
SINGULAR = {"questions": "Question", "cards": "Card", "points": "Point", "scenes": "Scene", "items": "Question",
            "parts": "Part", "overview": "Overview sentence", "summary": "Summary sentence",
            "key_concepts": "Key concept", "review_questions": "Review question", "sections": "Section",
            "paragraphs": "Paragraph", "answer": "Answer sentence", "options": "Option", "pairs": "Pair",
            "claims": "Sentence"}
NAMES = {"on_screen_text": "on-screen text", "broll": "b-roll", "hook": "Hook", "conclusion": "Conclusion",
         "answer": "answer", "text": "", "duration_s": "seconds",
         "left": "term", "right": "definition"}

Path = tuple  # keys and list indexes from the content's root, e.g. ("questions", 2, "prompt")


@dataclass
class EditField:
    path: Path
    label: str  # "Question 3 · prompt"
    group: str  # the top-level item it belongs to: "Question 3", "Title"
    text: str
    multiline: bool


def fields(content: dict) -> list[EditField]:
    """Every text a person may change, in reading order."""
    out: list[EditField] = []

    def walk(node: Any, path: Path, names: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in SKIP or value is None:
                    continue
                if key in NUMBER_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
                    out.append(EditField(path + (key,), " · ".join(names + [NAMES.get(key, key)]),
                                         names[0] if names else key, f"{value:g}", False))
                elif isinstance(value, str) and key in TEXT_FIELDS:
                    name = NAMES.get(key, key.replace("_", " "))
                    label = " · ".join(names + [name] if name or not names else names)
                    out.append(EditField(path + (key,), label, names[0] if names else label, value,
                                         key in LONG_FIELDS or len(value) > 80))
                elif isinstance(value, (dict, list)):
                    walk(value, path + (key,), names + ([NAMES[key]] if key in NAMES and isinstance(value, dict)
                                                        else []))
        elif isinstance(node, list):
            key = path[-1] if path else ""
            single = SINGULAR.get(str(key), str(key))
            for i, value in enumerate(node):
                here = names + [f"{single} {i + 1}"]
                if isinstance(value, str):
                    if key == "options":  # other lists of words (heading paths, aliases) are not prose
                        out.append(EditField(path + (i,), " · ".join(here), here[0], value, len(value) > 80))
                else:
                    walk(value, path + (i,), here)

    walk(content, (), [])
    for f in out:
        if f.path == ("title",):
            f.label = f.group = "Title"
    return out


def apply(content: dict, edits: dict[Path, str]) -> tuple[dict, int]:
    """A copy of the content with the edits made; (new content, how many fields changed). The item
    holding a changed field is marked edited."""
    new = copy.deepcopy(content)
    valid = {f.path: f for f in fields(content)}
    changed = 0
    for path, text in edits.items():
        path = tuple(path)
        if path not in valid:
            raise KnownError(f"the output has no text at {'/'.join(str(p) for p in path)} to edit")
        text = str(text).strip() if path[-1] != "cloze" else str(text)
        if text == valid[path].text:
            continue
        parent = new
        for step in path[:-1]:
            parent = parent[step]
        if path[-1] in NUMBER_FIELDS:
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                number = -1.0
            if not 0 < number <= 3600:
                raise KnownError(f"{valid[path].label}: “{text}” is not a number of seconds",
                                 hint="type a number such as 12 or 7.5")
            parent[path[-1]] = round(number, 1)
        else:
            parent[path[-1]] = text
        changed += 1
        _mark_edited(new, path)
    check(new)
    return new, changed


def _mark_edited(content: dict, path: Path) -> None:
    """The innermost object on the path that records a grounding status says it was edited."""
    node: Any = content
    holders = []
    for step in path[:-1]:
        node = node[step]
        if isinstance(node, dict) and "status" in node:
            holders.append(node)
    if holders:
        holders[-1]["status"] = "edited"


def check(content: dict) -> None:
    """Refuse an edit that breaks the output's form (a quiz answer no longer among its options)."""
    if not str(content.get("title", "x")).strip():
        raise KnownError("the title cannot be empty", hint="type a title")
    for i, c in enumerate(content.get("cards") or []):
        if isinstance(c, dict) and c.get("kind") == "cloze" and not re.search(r"\{\{c\d+::.+?\}\}", c.get("cloze", "")):
            raise KnownError(f"card {i + 1} lost its gap: a cloze card needs one like {{{{c1::word}}}}",
                             hint="put the hidden words back between {{c1:: and }}")
    for i, q in enumerate(content.get("questions") or []):
        if not isinstance(q, dict):
            continue
        if not str(q.get("prompt", "")).strip():
            raise KnownError(f"question {i + 1} has no text", hint="type the question, or undo the edit")
        if q.get("type") in ("mcq", "tf") and q.get("options") and q.get("answer") not in q["options"]:
            raise KnownError(f"question {i + 1}: the answer “{q.get('answer')}” is not one of its options",
                             hint="make the answer match one option exactly")
