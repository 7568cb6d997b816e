"""Flashcards by a model: basic and cloze cards, tagged by concept and chapter, each cited."""

from __future__ import annotations

import hashlib
import re

from harvest_desktop.formats.generative.base import Format, attribution_lines, citation, nums, text_of

CARD_SCHEMA = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["basic", "cloze"]}, "front": {"type": "string"}, "back": {"type": "string"},
    "cloze": {"type": "string"}, "concept": {"type": "string"},
    "passages": {"type": "array", "items": {"type": "integer"}}}, "required": ["kind", "passages"]}


def card(d, mat):
    from harvest_desktop.formats.schema import Flashcard

    if not isinstance(d, dict):
        return None
    kind = "cloze" if text_of(d.get("kind")).lower() == "cloze" or (d.get("cloze") and not d.get("back")) else "basic"
    front, back, cloze = text_of(d.get("front")), text_of(d.get("back")), text_of(d.get("cloze"))
    if kind == "basic" and not (front and back):
        return None
    if kind == "cloze" and not re.search(r"\{\{c\d+::", cloze):
        return None
    refs = nums(d.get("passages"))
    basis = back if kind == "basic" else re.sub(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", r"\1", cloze)
    cit = citation(refs[0], mat, basis) if refs else None
    concept = text_of(d.get("concept"))
    chapter = cit.section.split(" > ")[0] if cit and cit.section else ""
    tags = ([f"concept::{concept.replace(' ', '_')}"] if concept else []) + \
        ([f"chapter::{chapter.replace(' ', '_')}"] if chapter else [])
    cid = hashlib.sha1(f"{kind}|{front}|{back}|{cloze}".encode()).hexdigest()[:12]
    return Flashcard(id=cid, kind=kind, front=front, back=back, cloze=cloze, tags=tags, citation=cit,
                     concept=concept, chapter=chapter)


class FlashcardsFormat(Format):
    key, label, template = "flashcards", "Flashcards", "flashcards.j2"
    schema = {"type": "object", "properties": {"title": {"type": "string"},
                                               "cards": {"type": "array", "items": CARD_SCHEMA}},
              "required": ["title", "cards"]}
    item_schema = CARD_SCHEMA
    item_attr, item_word = "cards", "Card"
    default_count = 20

    def output_tokens(self, share: float = 1.0) -> int:
        return min(6000, 200 + 80 * max(1, round((self.opts.count or 20) * share)))

    def instructions(self, share: float = 1.0) -> str:
        n = max(1, round((self.opts.count or 20) * share))
        return (f"Write {n} {self.opts.difficulty} flashcards on the key terms and facts of this material: basic "
                "cards (front: a term or question; back: its definition or answer) and cloze cards (a sentence of "
                "the passage with the key words hidden). Name the concept each card is about; cite its passage.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import Flashcards

        cards, seen = [], set()
        for d in datas:
            for c in d.get("cards") or []:
                made = card(c, mat)
                if made is not None and made.id not in seen:
                    seen.add(made.id)
                    cards.append(made)
        if self.opts.count:
            cards = cards[: self.opts.count]
        title = next((str(d.get("title")) for d in datas if d.get("title")), "") or "Flashcards"
        return Flashcards(title=title, cards=cards)

    def item_json(self, item):
        return {"kind": item.kind, "front": item.front, "back": item.back, "cloze": item.cloze,
                "concept": item.concept}

    def item_from(self, data, mat, old):
        return card(data, mat)

    def citations_of(self, content):
        return [c.citation for c in content.cards if c.citation is not None]

    def markdown(self, content) -> str:
        out = [f"# {content.title}", "", "| Front | Back | Source |", "|---|---|---|"]
        for c in content.cards:
            front = c.front if c.kind == "basic" else re.sub(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", "[…]", c.cloze)
            back = c.back if c.kind == "basic" else ", ".join(re.findall(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", c.cloze))
            src = c.citation.label() if c.citation else ""
            out.append(f"| {front.replace('|', '/')} | {back.replace('|', '/')} | {src} |")
        return "\n".join(out + [""] + attribution_lines(content.sources)) + "\n"


FORMAT = FlashcardsFormat
