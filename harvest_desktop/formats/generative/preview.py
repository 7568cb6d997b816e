"""What a person sees while a model writes: its streamed JSON shown as readable text, as it comes.

A model answers in JSON (the formats ask for it); half of a JSON object is not valid JSON, so the
preview scans it leniently for its text values ("title", "question", "text", ...) — the last one
possibly unfinished — and lays them out as Markdown. `StreamText` gathers the pieces from the worker
thread (each call of a run in its own section) for the window to read on its own timer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field

HEADING = {"title": "# ", "heading": "## ", "question": "**Q:** ", "prompt": "**Q:** ", "front": "**", "term": "**"}
CLOSE = {"front": "**", "term": "**"}
SHOWN = set(HEADING) | {"text", "answer", "back", "cloze", "definition", "explanation", "narration",
                        "on_screen_text", "broll"}
LABEL = {"explanation": "*Why:* ", "on_screen_text": "*On screen:* ", "broll": "*B-roll:* ", "answer": "**A:** ",
         "back": "", "definition": "— "}

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)("?)', re.S)


def readable(partial: str) -> str:
    """The text values of a (possibly unfinished) JSON answer as Markdown lines, in order."""
    out: list[str] = []
    stack: list[str] = []  # "{" or "[" for each open object / array
    key: str | None = None
    after_colon = False
    start = partial.find("{")
    i, n = (start if start >= 0 else len(partial)), len(partial)
    while i < n:
        ch = partial[i]
        if ch == '"':
            m = _STRING.match(partial, i)
            assert m is not None
            raw, closed = m.group(1), bool(m.group(2))
            i = m.end()
            if stack and stack[-1] == "{" and not after_colon:
                key = raw if closed else None  # a key (perhaps still being written)
                continue
            after_colon = False
            value = _unescape(raw, closed).strip()
            if not value:
                continue
            if key in SHOWN:
                out.append(f"{HEADING.get(key, '')}{LABEL.get(key, '')}{value}{CLOSE.get(key, '')}")
            elif key == "options":
                out.append(f"- {value}")
            continue
        if ch == "{" or ch == "[":
            stack.append(ch)
            after_colon = False
        elif ch == "}" or ch == "]":
            if stack:
                stack.pop()
            after_colon = False
        elif ch == ":":
            after_colon = True
        elif ch == ",":
            after_colon = False
        elif not ch.isspace():
            after_colon = False  # a number, true, false or null
        i += 1
    return "\n\n".join(out)


def _unescape(raw: str, closed: bool) -> str:
    if not closed:
        raw = re.sub(r"\\u[0-9a-fA-F]{0,3}$|\\$", "", raw)  # an escape cut in the middle
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw.replace('\\"', '"').replace("\\n", "\n")


@dataclass
class _Section:
    name: str
    parts: list[str] = field(default_factory=list)
    stale: bool = False  # the answer is being asked for again: its first new piece replaces this text


class StreamText:
    """The streamed text of a run, safe to feed from a worker and read from the window.

    Call it with each piece (the gateway's on_text); `begin(name)` starts a call's section, `restart()`
    says the current call's answer is being asked for again (its text is replaced once new text comes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sections: list[_Section] = []
        self.version = 0  # grows with every change: the window redraws only when it moved
        self.first_piece_at: float | None = None  # perf_counter() of the first piece (time to first token)

    def __call__(self, piece: str) -> None:
        with self._lock:
            if not self._sections:
                self._sections.append(_Section(""))
            section = self._sections[-1]
            if section.stale:
                section.parts.clear()
                section.stale = False
            section.parts.append(piece)
            self.version += 1
            if self.first_piece_at is None and piece:
                self.first_piece_at = time.perf_counter()

    def begin(self, name: str) -> None:
        with self._lock:
            if self._sections and not self._sections[-1].parts:
                self._sections[-1].name = name
            else:
                self._sections.append(_Section(name))
            self.version += 1

    def restart(self) -> None:
        """The current call's answer is asked for again: its text goes when the new one starts (if the
        new one never comes, the text so far stays on screen)."""
        with self._lock:
            if self._sections:
                self._sections[-1].stale = True

    def raw(self) -> str:
        with self._lock:
            return "".join(p for s in self._sections for p in s.parts)

    def markdown(self, last: int = 3) -> str:
        """The last few calls' text, readable, each under its call's name when a run makes several."""
        with self._lock:
            sections = [(s.name, "".join(s.parts)) for s in self._sections[-last:]]
            many = len(self._sections) > 1
        blocks = []
        for name, text in sections:
            body = readable(text) or ("…" if not text.strip() else "")
            if many and name:
                blocks.append(f"### {name[:1].upper()}{name[1:]}\n\n{body}")
            else:
                blocks.append(body)
        return "\n\n".join(b for b in blocks if b)
