"""One document model that PDF, DOCX, HTML and Markdown all render, so they cannot drift apart.

`build_document(content, meta)` turns a format's structured content (formats/schema.py) into a
flat list of blocks: headings, paragraphs with numbered citation markers, lists, questions with
options, an answer key, references and sources. Writers only lay these blocks out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from harvest_desktop.formats import schema as s

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class OutputMeta:
    """What an export says about the output besides its content."""

    title: str = ""
    format: str = ""
    engine: str = ""
    created_at: str = ""
    output_id: int | None = None
    route_reason: str = ""


@dataclass
class Heading:
    level: int  # 1 = part of the document, 2 = section, 3 = subsection
    text: str
    anchor: str = ""
    toc: bool = True


@dataclass
class Para:
    text: str
    refs: list[int] = field(default_factory=list)
    lead: str = ""  # bold words before the text ("Mitochondrion:")
    note: str = ""  # small grey words after the text ("explained, not defined")
    style: str = "body"  # body | quote | muted


@dataclass
class BulletList:
    items: list[Para]
    numbered: bool = False


@dataclass
class Question:
    number: int
    prompt: str
    kind: str = "mcq"
    options: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # matching: terms
    right: list[str] = field(default_factory=list)  # matching: definitions, shuffled
    refs: list[int] = field(default_factory=list)


@dataclass
class Answer:
    number: int
    answer: str
    explanation: str = ""
    refs: list[int] = field(default_factory=list)


@dataclass
class AnswerKey:
    title: str
    answers: list[Answer]


@dataclass
class PageBreak:
    pass


@dataclass
class Reference:
    number: int
    citation: s.Citation

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"

    def label(self) -> str:
        c = self.citation
        parts = [c.title or (f"source {c.source_id}" if c.source_id is not None else "source")]
        if c.page:
            parts.append(f"p. {c.page}")
        if c.section:
            parts.append("§ " + c.section)
        return ", ".join(parts)


@dataclass
class Document:
    title: str
    kind: str
    meta: OutputMeta
    blocks: list[Any]
    references: list[Reference]
    sources: list[s.SourceRef]

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]


def source_line(src: s.SourceRef) -> str:
    """Attribution of one source: title, author, site, date, URL or file, licence."""
    bits = [src.title or (src.url or src.file or f"source {src.source_id}")]
    if src.author:
        bits.append(f"by {src.author}")
    if src.site:
        bits.append(src.site)
    if src.date:
        bits.append(src.date)
    where = src.url or src.file
    if where and where != bits[0]:
        bits.append(where)
    if src.license:
        bits.append(f"licence: {src.license}")
    return " · ".join(bits)


class _Refs:
    """Numbers citations in the order they are first used; the same passage keeps its number."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, int] = {}
        self.items: list[Reference] = []

    def add(self, cits: Iterable[s.Citation | None]) -> list[int]:
        out: list[int] = []
        for c in cits:
            if c is None:
                continue
            key = (c.passage, c.source_id, c.page, c.section) if c.passage is not None \
                else (None, c.source_id, c.page, c.section, c.quote)
            n = self._by_key.get(key)
            if n is None:
                n = len(self.items) + 1
                self._by_key[key] = n
                self.items.append(Reference(n, c))
            if n not in out:
                out.append(n)
        return out


def _claims(refs: _Refs, claims: Iterable[s.Claim], style: str = "body") -> list[Para]:
    return [Para(c.text, refs.add(c.citations), style=style) for c in claims if c.text.strip()]


def _anchor(prefix: str, n: int) -> str:
    return f"{prefix}-{n}"


def _question_block(q: s.QuizQuestion, number: int, refs: _Refs) -> tuple[Question, Answer]:
    r = refs.add([q.citation])
    if q.type == "matching" and q.pairs:
        left = [p.left for p in q.pairs]
        right = sorted((p.right for p in q.pairs), key=lambda t: (len(t) * 7919 + sum(map(ord, t))) % 97)
        qb = Question(number, q.prompt or "Match each term with its definition.", "matching",
                      left=left, right=right, refs=r)
        key = "; ".join(f"{p.left} → {LETTERS[right.index(p.right)]}" for p in q.pairs)
        return qb, Answer(number, key, q.explanation, r)
    options = list(q.options)
    if q.type == "tf" and not options:
        options = ["True", "False"]
    qb = Question(number, q.prompt, q.type, options=options, refs=r)
    answer = q.answer
    if options and q.answer in options:
        answer = f"{LETTERS[options.index(q.answer)]}. {q.answer}"
    return qb, Answer(number, answer, q.explanation, r)


def build_document(content: Any, meta: OutputMeta | None = None) -> Document:
    """The document every writer renders, for any content kind in formats/schema.py."""
    meta = meta or OutputMeta()
    refs = _Refs()
    blocks: list[Any] = []
    title = getattr(content, "title", "") or meta.title or "Harvest output"
    kind = getattr(content, "kind", "") or meta.format
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"no document layout for content kind {kind!r}")
    builder(content, blocks, refs)
    return Document(title=title, kind=kind, meta=meta, blocks=blocks, references=refs.items,
                    sources=list(getattr(content, "sources", []) or []))


def _study_guide(c: s.StudyGuide, blocks: list, refs: _Refs) -> None:
    if c.overview:
        blocks.append(Heading(1, "Overview"))
        blocks.extend(_claims(refs, c.overview))
    answers: list[Answer] = []
    qn = 0
    for part in c.parts:
        heading = part.heading or " > ".join(part.heading_path) or "Section"
        blocks.append(Heading(1, heading))
        if part.summary:
            blocks.append(Heading(2, "Summary", toc=False))
            blocks.extend(_claims(refs, part.summary))
        if part.key_concepts:
            blocks.append(Heading(2, "Key concepts", toc=False))
            items = []
            for kc in part.key_concepts:
                note = "" if kc.definition_kind != s.EXPLAINED else "explained in the text, not defined"
                text = kc.definition or "The sources name this concept but do not define it."
                items.append(Para(text, refs.add([kc.citation]), lead=kc.term, note=note))
            blocks.append(BulletList(items))
        if part.review_questions:
            blocks.append(Heading(2, "Review questions", toc=False))
            for rq in part.review_questions:
                qn += 1
                cits = rq.answer.citations if rq.answer else []
                r = refs.add(cits)
                blocks.append(Question(qn, rq.question, "short", refs=[]))
                answers.append(Answer(qn, rq.answer.text if rq.answer else "", "", r))
    if c.concept_map and c.concept_map.edges:
        blocks.append(Heading(1, "How the concepts connect"))
        blocks.append(BulletList([Para(f"{e.source} — {e.label or 'related to'} → {e.target}",
                                       refs.add([e.citation]),
                                       note=(f"“{e.evidence}”" if e.evidence else ""))
                                  for e in c.concept_map.edges]))
    if answers:
        blocks.append(PageBreak())
        blocks.append(AnswerKey("Answers to the review questions", answers))


def _quiz(c: s.Quiz, blocks: list, refs: _Refs) -> None:
    answers = []
    blocks.append(Heading(1, "Questions"))
    for i, q in enumerate(c.questions, 1):
        qb, ans = _question_block(q, i, refs)
        blocks.append(qb)
        answers.append(ans)
    if answers:
        blocks.append(PageBreak())
        blocks.append(AnswerKey("Answer key", answers))


def _flashcards(c: s.Flashcards, blocks: list, refs: _Refs) -> None:
    blocks.append(Heading(1, "Cards"))
    items = []
    for card in c.cards:
        r = refs.add([card.citation])
        if card.kind == "cloze" and card.cloze:
            items.append(Para(cloze_hidden(card.cloze), r, note="answer: " + "; ".join(cloze_answers(card.cloze))))
        else:
            items.append(Para(card.back, r, lead=card.front))
    blocks.append(BulletList(items, numbered=True))


def _briefing(c: s.Briefing, blocks: list, refs: _Refs) -> None:
    blocks.append(Heading(1, "Key points"))
    blocks.append(BulletList(_claims(refs, c.points)))


def _faq(c: s.FAQ, blocks: list, refs: _Refs) -> None:
    for item in c.items:
        blocks.append(Heading(2, item.question))
        blocks.extend(_claims(refs, item.answer))


def _answer(c: s.Answer, blocks: list, refs: _Refs) -> None:
    blocks.append(Heading(1, c.question or "Question"))
    if c.found and c.claims:
        blocks.extend(_claims(refs, c.claims))
    else:
        blocks.append(Para("The sources do not say.", style="muted"))


def _blog(c: s.BlogPost, blocks: list, refs: _Refs) -> None:
    if c.hook and c.hook.text:
        blocks.extend(_claims(refs, [c.hook], style="quote"))
    for sec in c.sections:
        blocks.append(Heading(1, sec.heading or "Section"))
        blocks.extend(_claims(refs, sec.paragraphs))
    if c.conclusion and c.conclusion.text:
        blocks.append(Heading(1, "Conclusion"))
        blocks.extend(_claims(refs, [c.conclusion]))


def _script(c: s.VideoScript, blocks: list, refs: _Refs) -> None:
    total = sum(sc.duration_s for sc in c.scenes)
    target = f" (target {_mmss(c.target_runtime_s)})" if c.target_runtime_s else ""
    blocks.append(Para(f"Runtime {_mmss(total)}{target}, {len(c.scenes)} scenes.", style="muted"))
    t = 0.0
    for i, sc in enumerate(c.scenes, 1):
        blocks.append(Heading(1, f"Scene {i} · {_mmss(t)}–{_mmss(t + sc.duration_s)}"))
        t += sc.duration_s
        blocks.append(Para(sc.narration, refs.add(sc.citations), lead="Narration"))
        if sc.on_screen_text:
            blocks.append(Para(sc.on_screen_text, lead="On screen"))
        if sc.broll:
            blocks.append(Para(sc.broll, lead="B-roll", style="muted"))


def _concept_map(c: s.ConceptMap, blocks: list, refs: _Refs) -> None:
    groups: dict[str, list[s.ConceptNode]] = {}
    for n in c.nodes:
        groups.setdefault(n.group or "Concepts", []).append(n)
    for g, nodes in groups.items():
        blocks.append(Heading(1, g))
        blocks.append(BulletList([Para(n.term) for n in nodes]))
    if c.edges:
        blocks.append(Heading(1, "Relations"))
        blocks.append(BulletList([Para(f"{e.source} — {e.label or 'related to'} → {e.target}",
                                       refs.add([e.citation]), note=(f"“{e.evidence}”" if e.evidence else ""))
                                  for e in c.edges]))


_BUILDERS = {
    "study-guide": _study_guide, "quiz": _quiz, "flashcards": _flashcards, "briefing": _briefing,
    "faq": _faq, "answer": _answer, "blog-post": _blog, "video-script": _script,
    "concept-map": _concept_map,
}


def _mmss(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def cloze_answers(text: str) -> list[str]:
    """The hidden words of an Anki-syntax cloze ("{{c1::word}}" or "{{c1::word::hint}}")."""
    import re

    return [m.group(1) for m in re.finditer(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", text)]


def cloze_hidden(text: str) -> str:
    """The cloze with its blanks shown as [...] (or [hint])."""
    import re

    return re.sub(r"\{\{c\d+::(.+?)(?:::([^}]*))?\}\}", lambda m: f"[{m.group(2) or '...'}]", text)
