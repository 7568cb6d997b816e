"""Flashcards, built offline: front/back (term → its definition, the book's glossary first) and
cloze cards (a defining or central sentence with the term hidden), deduplicated, tagged by
concept and chapter, each with a stable id so a re-import updates a card instead of copying it."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.formats.builtin import run_builtin, title_for
from harvest_desktop.formats.material import Material, MConcept, Placed, blank, centrality, leaks
from harvest_desktop.formats.quiz import _interleave_by_chapter
from harvest_desktop.formats.registry import FormatResult
from harvest_desktop.formats.schema import EXPLAINED, Flashcard, Flashcards
from harvest_desktop.understand.analysis import PROSE
from harvest_desktop.understand.passages import Passage

DEFAULT_COUNT = 40


def build_flashcards(passages: Sequence[Passage], *, cancel: CancelToken = NEVER,
                     progress: ProgressFn = no_progress, **options: Any) -> FormatResult:
    return run_builtin(passages, generate, render_markdown, cancel=cancel, progress=progress, **options)


def card_id(kind: str, front: str, back: str) -> str:
    return hashlib.blake2b(f"{kind}\x1f{front}\x1f{back}".encode("utf-8"), digest_size=8).hexdigest()


def tag(prefix: str, value: str) -> str:
    return prefix + "::" + re.sub(r"[^\w\-]+", "_", value.strip()).strip("_")[:60]


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _basic(c: MConcept) -> Flashcard | None:
    if c.definition is None:
        return None
    back = c.definition_text or c.definition.text
    if c.definition_kind == EXPLAINED:
        back = back  # labelled below: the text explains rather than defines it
    return Flashcard(id=card_id("basic", c.term, back), kind="basic", front=c.term, back=back,
                     tags=[tag("concept", c.term)] + ([tag("chapter", c.chapter)] if c.chapter else [])
                     + (["explained"] if c.definition_kind == EXPLAINED else []),
                     citation=c.definition.citation(), concept=c.term, chapter=c.chapter)


def _cloze(c: MConcept, where: Placed) -> Flashcard | None:
    marked = blank(where.text, c.forms(), "\x00")
    if marked is None or marked.count("\x00") > 2:
        return None
    hidden = where.text
    # keep the words as written (case, plural) inside the deletion
    parts = marked.split("\x00")
    found = re.findall("|".join(rf"\b{re.escape(f)}(?:e?s)?\b" for f in sorted(c.forms(), key=len, reverse=True)),
                       hidden, flags=re.I)
    if len(found) != len(parts) - 1:
        return None
    cloze = parts[0] + "".join(f"{{{{c1::{w}}}}}" + rest for w, rest in zip(found, parts[1:]))
    if leaks(marked.replace("\x00", ""), c.term):
        return None
    return Flashcard(id=card_id("cloze", cloze, ""), kind="cloze", front=re.sub(r"\{\{c1::.+?\}\}", "[…]", cloze),
                     back=where.text, cloze=cloze,
                     tags=[tag("concept", c.term)] + ([tag("chapter", c.chapter)] if c.chapter else []),
                     citation=where.citation(), concept=c.term, chapter=c.chapter)


def generate(material: Material, options: dict[str, Any]) -> Flashcards:
    cancel: CancelToken = options.get("cancel", NEVER)
    count = int(options.get("count") or DEFAULT_COUNT)
    kinds = options.get("card_kinds") or ("basic", "cloze")
    order = _interleave_by_chapter([c for c in material.concepts if len(c.term) >= 3])
    cent = centrality(material)
    cards: list[Flashcard] = []
    seen: set[str] = set()

    def add(card: Flashcard | None) -> None:
        if card is None:
            return
        key = _norm(card.cloze or (card.front + " " + card.back))
        back_key = "back:" + _norm(card.back) if card.kind == "basic" else ""
        if key in seen or (back_key and back_key in seen):
            return
        seen.add(key)
        if back_key:
            seen.add(back_key)
        cards.append(card)

    target = count + max(3, count // 4)  # spares replace cards the validator drops
    for rounds in range(4):
        for i, c in enumerate(order):
            if len(cards) >= target:
                break
            if i % 100 == 0:
                cancel.check()
            if rounds == 0 and "basic" in kinds and c.definition_kind != EXPLAINED:
                add(_basic(c))
            if rounds == 3 and "basic" in kinds and c.definition_kind == EXPLAINED:
                add(_basic(c))
            if rounds < 3 and "cloze" in kinds:
                pool = ([c.definition] if c.definition is not None and c.definition.kind == PROSE else []) + \
                    sorted([m for m in c.mentions if m.kind == PROSE and 8 <= len(m.text.split()) <= 40],
                           key=lambda m: (-cent.get(m.order, 0), m.order))
                if len(pool) > rounds:
                    add(_cloze(c, pool[rounds]))
    return Flashcards(title=title_for("Flashcards", material), cards=cards)


def render_markdown(deck: Flashcards) -> str:
    lines = [f"# {deck.title}", ""]
    for n, c in enumerate(deck.cards, 1):
        cite = c.citation.label() if c.citation else ""
        if c.kind == "cloze":
            lines += [f"{n}. {c.front}", f"    *Answer:* {c.back} {cite}".rstrip(), ""]
        else:
            lines += [f"{n}. **{c.front}**", f"    {c.back} {cite}".rstrip(), ""]
    if deck.sources:
        lines += ["## Sources", ""] + [f"- {s.title}" for s in deck.sources] + [""]
    return "\n".join(lines)
