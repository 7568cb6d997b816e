"""What the built-in generators work from: the sources' analyses placed on the passages they were
given (so every sentence cites a passage that exists), merged across sources, filtered to the
chapters asked for."""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.formats.schema import Citation, SourceRef
from harvest_desktop.understand.analysis import (DEFINED, EXPLAINED, GLOSSARY, LIST, PROSE, SourceAnalysis,
                                                 _key, analyze_document, document_from_passages)
from harvest_desktop.understand.passages import Passage

DEF_RANK = {GLOSSARY: 0, DEFINED: 1, EXPLAINED: 2}


@dataclass
class Placed:
    """One prose sentence (or glossary entry) of a source, placed in the passage that holds it."""

    text: str
    passage: Passage
    chapter: str
    kind: str
    order: int  # reading order across the material
    page: int | None = None  # the sentence's own page (a passage can run across pages)

    def citation(self) -> Citation:
        p = self.passage
        return Citation(passage=p.chunk_id, source_id=p.source_id, title=p.source_name,
                        page=self.page if self.page is not None else p.page, section=p.heading_path, quote=self.text)


@dataclass
class MConcept:
    term: str
    key: str
    score: float
    signals: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    kind: str = "term"
    chapters: list[str] = field(default_factory=list)  # most mentions first
    definition: Placed | None = None
    definition_kind: str = ""
    mentions: list[Placed] = field(default_factory=list)
    definition_text: str = ""  # what a reader is shown: the sentence, or a glossary entry's definition

    @property
    def chapter(self) -> str:
        return self.chapters[0] if self.chapters else ""

    def forms(self) -> list[str]:
        """Every way the text writes it, longest first (for blanks and matching)."""
        out = {self.term, *self.aliases}
        return sorted({f for f in out if f and len(f) >= 2}, key=len, reverse=True)


@dataclass
class MRelation:
    source: str
    target: str
    label: str
    evidence: Placed
    weight: float


@dataclass
class Material:
    passages: dict[int, Passage]
    sentences: list[Placed]
    concepts: list[MConcept]
    relations: list[MRelation]
    chapters: list[str]
    sources: list[SourceRef]

    def concept(self, term: str) -> MConcept | None:
        k = _key(term)
        for c in self.concepts:
            if c.key == k:
                return c
        return None


def source_refs(passages: Sequence[Passage], meta: Mapping[int, Any] | None = None) -> list[SourceRef]:
    """The sources behind the passages, with the attribution the library holds (when given)."""
    out: "OrderedDict[int, SourceRef]" = OrderedDict()
    for p in passages:
        if p.source_id in out:
            continue
        src = (meta or {}).get(p.source_id)
        if src is None:
            out[p.source_id] = SourceRef(source_id=p.source_id, title=p.source_name)
            continue
        location = getattr(src, "location", "") or ""
        is_url = getattr(src, "kind", "") == "url" or location.startswith(("http://", "https://"))
        out[p.source_id] = SourceRef(
            source_id=p.source_id, title=getattr(src, "title", None) or getattr(src, "name", "") or p.source_name,
            author=getattr(src, "author", None), site=getattr(src, "site", None),
            date=getattr(src, "published", None),
            url=(getattr(src, "final_url", None) or location) if is_url else None,
            file=None if is_url else location or None, license=getattr(src, "license", None))
    return list(out.values())


def _norm(text: str) -> str:
    return " ".join(text.split())


def place(analysis: SourceAnalysis, passages: Sequence[Passage], start_order: int = 0
          ) -> tuple[list[Placed], dict[int, Placed]]:
    """Place the analysis' sentences in the passages (both in reading order); unplaceable ones go.

    Returns the placed sentences and a map from analysis sentence index to its placement."""
    texts = [_norm(p.text) for p in passages]
    placed: list[Placed] = []
    by_index: dict[int, Placed] = {}
    cursor = 0
    n = len(passages)
    for si, s in enumerate(analysis.sentences):
        text = _norm(s.text)
        hit = None
        for j in range(cursor, min(n, cursor + 60)):  # captions, sidebars, tables: chunks with no prose
            if text in texts[j]:
                hit = j
                break
        if hit is None:  # out of order (a dropped duplicate, a moved sidebar): search everything once
            for j in range(n):
                if text in texts[j]:
                    hit = j
                    break
            if hit is None:
                continue
        cursor = hit
        item = Placed(text, passages[hit], s.chapter, s.kind, start_order + len(placed), s.page)
        placed.append(item)
        by_index[si] = item
    return placed, by_index


class _GlossaryPlacer:
    """Finds the passage that holds a glossary entry (its own section and page first)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        self.norm = {p.chunk_id: _norm(p.text) for p in passages}
        self.by_section: dict[str, list[Passage]] = defaultdict(list)
        self.by_page: dict[int | None, list[Passage]] = defaultdict(list)
        for p in passages:
            self.by_section[p.heading_path].append(p)
            self.by_page[p.page].append(p)

    def place(self, entry) -> Placed | None:
        want = _norm(entry.definition)
        term = _key(entry.term)
        if not want or not term:
            return None
        pools = [self.by_section.get(entry.section, [])]
        if entry.page is not None:
            pools.append(self.by_page.get(entry.page, []))
        pools.append(self.passages)
        for pool in pools:
            for p in pool:
                if want not in self.norm[p.chunk_id]:
                    continue
                for line in p.text.split("\n"):
                    ln = _norm(line)
                    if want in ln and _key(ln[: len(entry.term) + 8]).startswith(term):
                        return Placed(ln, p, entry.chapter, GLOSSARY, -1, entry.page)
        return None


_CACHE: "OrderedDict[tuple, tuple[Any, Material]]" = OrderedDict()


def build_material(passages: Sequence[Passage], analyses: Mapping[int, SourceAnalysis] | None = None, *,
                   meta: Mapping[int, Any] | None = None, chapters: Sequence[str] | None = None,
                   cancel: CancelToken = NEVER) -> Material:
    """Merge per-source analyses (made from the passages when none is stored) into one Material.

    The last few are kept, so a guide, a quiz bank and a deck made in a row share the work."""
    key = (tuple((p.chunk_id, len(p.text)) for p in passages), tuple(sorted((k, id(v)) for k, v in (analyses or {}).items())))
    hit = _CACHE.get(key)
    if hit is not None and all(hit[0].get(k) is v for k, v in (analyses or {}).items()):
        material = hit[1]
    else:
        material = _build(passages, analyses, meta, cancel)
        _CACHE[key] = (dict(analyses or {}), material)
        while len(_CACHE) > 2:
            _CACHE.popitem(last=False)
    if meta:
        material.sources = source_refs(passages, meta)
    if chapters:
        material = restrict(material, chapters)
    return material


def _build(passages: Sequence[Passage], analyses: Mapping[int, SourceAnalysis] | None,
           meta: Mapping[int, Any] | None, cancel: CancelToken) -> Material:
    by_source: "OrderedDict[int, list[Passage]]" = OrderedDict()
    for p in passages:
        by_source.setdefault(p.source_id, []).append(p)
    sentences: list[Placed] = []
    merged: dict[str, MConcept] = {}
    relations: list[MRelation] = []
    all_chapters: list[str] = []
    for sid, ps in by_source.items():
        cancel.check()
        analysis = (analyses or {}).get(sid)
        if analysis is None:
            analysis = analyze_document(document_from_passages(ps[0].source_name, ps), cancel=cancel)
        placed, by_index = place(analysis, ps, len(sentences))
        placer = _GlossaryPlacer(ps)
        glossary_by_key: dict[tuple[str, str], Any] = {}
        for g in analysis.glossary:
            glossary_by_key.setdefault((_key(g.term), g.definition), g)
        sentences.extend(placed)
        for ch in analysis.chapters:
            if ch not in all_chapters:
                all_chapters.append(ch)
        for c in analysis.concepts:
            d = c.definition
            dplace, dkind, dtext = None, "", ""
            if d is not None:
                if d.kind == GLOSSARY:
                    gl = glossary_by_key.get((c.key, d.text))
                    dplace = placer.place(gl) if gl is not None else None
                elif d.sentence is not None:
                    dplace = by_index.get(d.sentence)
                dkind = d.kind if dplace is not None else ""
                dtext = d.text if dplace is not None and d.kind == GLOSSARY else (dplace.text if dplace else "")
                if dplace is None and d.kind == GLOSSARY:  # fall back to a defining sentence in the text
                    for si in c.mentions:
                        s = by_index.get(si)
                        if s is not None and s.kind in (PROSE, LIST):
                            from harvest_desktop.understand.analysis import defines

                            if defines(s.text, c.term) is not None:
                                dplace, dkind, dtext = s, DEFINED, s.text
                                break
            mentions = [by_index[i] for i in c.mentions if i in by_index]
            m = merged.get(c.key)
            if m is None:
                merged[c.key] = MConcept(c.term, c.key, c.score, list(c.signals), list(c.aliases), c.kind,
                                         list(c.chapters), dplace, dkind, mentions, dtext)
            else:
                m.score += c.score
                m.signals = sorted(set(m.signals) | set(c.signals))
                m.aliases = sorted(set(m.aliases) | set(c.aliases), key=lambda a: (len(a), a))
                m.chapters += [ch for ch in c.chapters if ch not in m.chapters]
                m.mentions += mentions
                if dplace is not None and (m.definition is None or DEF_RANK[dkind] < DEF_RANK.get(m.definition_kind, 9)):
                    m.definition, m.definition_kind, m.definition_text = dplace, dkind, dtext
        for r in analysis.relations:
            ev = by_index.get(r.sentence)
            if ev is not None:
                relations.append(MRelation(r.source, r.target, r.label, ev, r.weight))
    concepts = sorted(merged.values(), key=lambda c: (-c.score, c.term))
    return Material({p.chunk_id: p for p in passages}, sentences, concepts, relations, all_chapters,
                    source_refs(passages, meta))


def resolve_chapters(wanted: Sequence[str], available: Sequence[str]) -> list[str]:
    """Chapters by number ('7': the chapter titled 'Chapter 7 …' or '7 …', else the 7th) or title."""
    out: list[str] = []
    for w in wanted:
        w = str(w).strip()
        found: list[str] = []
        if re.fullmatch(r"\d+", w):
            pat = re.compile(rf"^(?:chapter|part|unit|lesson|module)?\s*{w}(?:\b|[.:])", re.I)
            found = [c for c in available if pat.match(c.strip())]
            if not found and 1 <= int(w) <= len(available):
                found = [available[int(w) - 1]]
        else:
            low = w.casefold()
            found = [c for c in available if c.casefold() == low] or \
                [c for c in available if low in c.casefold()]
        if not found:
            shown = "; ".join(available[:12]) + (" …" if len(available) > 12 else "")
            raise KnownError(f"no chapter matches '{w}'",
                             hint=f"give a number or part of a title; the chapters are: {shown or 'none found'}")
        out += [c for c in found if c not in out]
    return out


def restrict(material: Material, wanted: Sequence[str]) -> Material:
    """The material of the chosen chapters only: their sentences, and the concepts they hold."""
    chosen = set(resolve_chapters(wanted, material.chapters))
    sentences = [s for s in material.sentences if s.chapter in chosen]
    concepts = []
    for c in material.concepts:
        mentions = [m for m in c.mentions if m.chapter in chosen]
        if not mentions and not set(c.chapters[:1]) & chosen:
            continue
        definition, dkind, dtext = c.definition, c.definition_kind, c.definition_text
        if definition is not None and definition.kind != GLOSSARY and definition.chapter not in chosen:
            definition, dkind, dtext = None, "", ""
        chaps = [ch for ch in c.chapters if ch in chosen] or c.chapters
        concepts.append(MConcept(c.term, c.key, c.score, c.signals, c.aliases, c.kind, chaps, definition, dkind,
                                 mentions, dtext))
    relations = [r for r in material.relations if r.evidence.chapter in chosen]
    used = {s.passage.chunk_id for s in sentences}
    return Material({k: v for k, v in material.passages.items() if k in used}, sentences, concepts, relations,
                    [c for c in material.chapters if c in chosen], material.sources)


def group_by_chapter(items, chapter_of) -> "OrderedDict[str, list]":
    out: "OrderedDict[str, list]" = OrderedDict()
    for it in items:
        out.setdefault(chapter_of(it), []).append(it)
    return out


def concept_chapter_index(concepts: Sequence[MConcept]) -> dict[str, list[MConcept]]:
    out: dict[str, list[MConcept]] = defaultdict(list)
    for c in concepts:
        out[c.chapter].append(c)
    return out


def centrality(material: Material, top: int = 200) -> dict[int, float]:
    """Sentence order -> how many of the top concepts it states (weighted by their rank)."""
    out: dict[int, float] = defaultdict(float)
    for rank, c in enumerate(material.concepts[:top]):
        w = 1.0 / (1.0 + rank / 25.0)
        for m in c.mentions:
            out[m.order] += w
    return out


def central_sentences(material: Material, sentences: Sequence[Placed] | None = None, *, limit: int = 5,
                      exclude: set[str] | None = None) -> list[Placed]:
    """The sentences that state most of the key concepts, one per passage, in reading order."""
    cent = centrality(material)
    pool = [s for s in (material.sentences if sentences is None else sentences)
            if s.kind == PROSE and 8 <= len(s.text.split()) <= 45 and not (exclude and s.text in exclude)]
    ranked = sorted(pool, key=lambda s: (-cent.get(s.order, 0.0), s.order))
    picked: list[Placed] = []
    used: set[int] = set()
    for s in ranked:
        if s.passage.chunk_id in used:
            continue
        picked.append(s)
        used.add(s.passage.chunk_id)
        if len(picked) >= limit:
            break
    return sorted(picked, key=lambda s: s.order)


def blank(sentence: str, forms: Sequence[str], mark: str = "_____") -> str | None:
    """Every form of the answer blanked (longest first), or None when none occurs."""
    out = sentence
    for f in sorted({f for f in forms if f}, key=len, reverse=True):
        out = re.sub(rf"\b{re.escape(f)}(?:e?s)?\b", mark, out, flags=re.I)
    return out if out != sentence else None


def leaks(prompt: str, answer: str) -> bool:
    """The prompt still shows a content word of the answer."""
    low = prompt.casefold()
    return any(len(w) >= 4 and re.search(rf"\b{re.escape(w)}", low) for w in answer.casefold().split())
