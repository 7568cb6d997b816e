"""Anki decks (.apkg, genanki) for flashcards and quizzes.

Basic and cloze note types with fixed ids; each note's guid comes from the card's stable id, so
importing a newer export of the same output updates the notes instead of adding copies. Tags
name the concept and the chapter; the back of every card shows the source passage and its page.
Text is HTML-escaped, which leaves MathJax (\\( \\) and \\[ \\]) and cloze markers intact.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import zlib
from typing import Any

from harvest_desktop.formats import schema as s

BASIC_MODEL_ID = 1_607_392_319  # fixed forever: Anki matches note types by id
CLOZE_MODEL_ID = 1_607_392_320
_CSS = (".card{font-family:'DejaVu Sans',Arial,sans-serif;font-size:20px;text-align:left;color:#1d1d1f;"
        "background:#fff}.src{font-size:13px;color:#666;margin-top:1em}.cloze{font-weight:bold;color:#2a5db0}"
        ".expl{font-size:16px;margin-top:.6em}")


def _models():
    import genanki

    basic = genanki.Model(
        BASIC_MODEL_ID, "Harvest Basic",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="src">{{Source}}</div>'}],
        css=_CSS)
    cloze = genanki.Model(
        CLOZE_MODEL_ID, "Harvest Cloze",
        fields=[{"name": "Text"}, {"name": "Extra"}, {"name": "Source"}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                    "afmt": '{{cloze:Text}}<div class="expl">{{Extra}}</div><div class="src">{{Source}}</div>'}],
        css=_CSS, model_type=genanki.Model.CLOZE)
    return basic, cloze


def _e(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=False)


def _source(c: s.Citation | None) -> str:
    if c is None:
        return ""
    where = c.title or "source"
    if c.page:
        where += f", p. {c.page}"
    if c.section:
        where += f", § {c.section}"
    quote = f"“{_e(c.quote)}”<br>" if c.quote else ""
    return f"{quote}— {_e(where)}"


def _tag(prefix: str, value: str) -> str:
    value = re.sub(r"\s+", "_", value.strip())
    return f"{prefix}::{value}" if value else ""


def _tags(*pairs: tuple[str, str], extra: list[str] | None = None) -> list[str]:
    tags = [t for t in (_tag(p, v) for p, v in pairs) if t]
    for t in extra or []:
        t = re.sub(r"\s+", "_", t.strip())
        if t and t not in tags:
            tags.append(t)
    return tags


def _deck_id(name: str) -> int:
    return 1 << 30 | zlib.crc32(name.encode("utf-8"))


def render_apkg(content: Any, deck_title: str) -> bytes:
    import genanki

    basic, cloze = _models()
    name = "Harvest::" + (deck_title or content.title or "Deck").replace("::", ":")
    deck = genanki.Deck(_deck_id(name), name)
    kind = content.kind
    if isinstance(content, s.Flashcards):
        for card in content.cards:
            guid = genanki.guid_for(kind, card.id or card.front + card.cloze)
            tags = _tags(("concept", card.concept), ("chapter", card.chapter), extra=card.tags)
            if card.kind == "cloze" and card.cloze:
                deck.add_note(genanki.Note(model=cloze, guid=guid, tags=tags,
                                           fields=[_e(card.cloze), _e(card.back), _source(card.citation)]))
            else:
                deck.add_note(genanki.Note(model=basic, guid=guid, tags=tags,
                                           fields=[_e(card.front), _e(card.back), _source(card.citation)]))
    elif isinstance(content, s.Quiz):
        for q in content.questions:
            guid = genanki.guid_for(kind, q.id or q.prompt)
            tags = _tags(("concept", q.concept), ("chapter", q.chapter), ("type", q.type))
            front = _e(q.prompt)
            if q.options:
                front += "<ol type=\"A\">" + "".join(f"<li>{_e(o)}</li>" for o in q.options) + "</ol>"
            if q.pairs:
                front += "<ul>" + "".join(f"<li>{_e(p.left)}</li>" for p in q.pairs) + "</ul>"
                back = "<br>".join(f"{_e(p.left)} — {_e(p.right)}" for p in q.pairs)
            else:
                back = f"<b>{_e(q.answer)}</b>"
            if q.explanation:
                back += f'<div class="expl">{_e(q.explanation)}</div>'
            deck.add_note(genanki.Note(model=basic, guid=guid, tags=tags,
                                       fields=[front, back, _source(q.citation)]))
    else:
        raise ValueError(f"Anki decks hold flashcards and quizzes, not {kind}")
    fd, tmp = tempfile.mkstemp(suffix=".apkg")
    os.close(fd)
    try:
        genanki.Package(deck).write_to_file(tmp)
        with open(tmp, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(tmp)
