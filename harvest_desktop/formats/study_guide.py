"""Study guide, built offline: an overview, then one part per chapter (or section) following the
material's own structure, each with its key concepts and their definitions (the book's glossary
first), a summary and review questions, plus a concept map of what the text states between the
key concepts. Every sentence is the source's own, cited."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.formats.builtin import cite_md, run_builtin, title_for
from harvest_desktop.formats.material import Material, MConcept, Placed, central_sentences
from harvest_desktop.formats.registry import FormatResult
from harvest_desktop.formats.schema import (EXPLAINED, Claim, ConceptEdge, ConceptMap, ConceptNode, GuidePart,
                                            KeyConcept, ReviewQuestion, StudyGuide)
from harvest_desktop.understand.analysis import GENERIC
from harvest_desktop.understand.passages import Passage

OVERVIEW_SENTENCES = 4
CONCEPTS_PER_PART = 8
SUMMARY_SENTENCES = 3
REVIEW_PER_PART = 3
MAX_PARTS = 60
MAP_NODES = 20


def build_study_guide(passages: Sequence[Passage], *, cancel: CancelToken = NEVER,
                      progress: ProgressFn = no_progress, **options: Any) -> FormatResult:
    return run_builtin(passages, generate, render_markdown, cancel=cancel, progress=progress, **options)


def _claim(s: Placed) -> Claim:
    return Claim(s.text, [s.citation()])


def key_concept(c: MConcept) -> KeyConcept:
    if c.definition is None:
        return KeyConcept(term=c.term, definition="", definition_kind=EXPLAINED, aliases=c.aliases[:5],
                          chapter=c.chapter)
    return KeyConcept(term=c.term, definition=c.definition_text or c.definition.text,
                      definition_kind=c.definition_kind, citation=c.definition.citation(), aliases=c.aliases[:5],
                      chapter=c.chapter)


def _parts(material: Material) -> "OrderedDict[str, list[Placed]]":
    """Sentences grouped by chapter; a single-chapter text is split by its sections instead."""
    by_chapter: "OrderedDict[str, list[Placed]]" = OrderedDict()
    for s in material.sentences:
        by_chapter.setdefault(s.chapter, []).append(s)
    if len(by_chapter) > 1:
        return by_chapter
    by_section: "OrderedDict[str, list[Placed]]" = OrderedDict()
    for s in material.sentences:
        path = s.passage.heading_path.split(" > ")
        by_section.setdefault(" > ".join(path[:2]) if path != [""] else s.passage.source_name, []).append(s)
    return by_section


def generate(material: Material, options: dict[str, Any]) -> StudyGuide:
    cancel: CancelToken = options.get("cancel", NEVER)
    per_part = int(options.get("concepts_per_part") or CONCEPTS_PER_PART)
    groups = _parts(material)
    chapter_mode = len({s.chapter for s in material.sentences}) > 1
    overview = central_sentences(material, limit=OVERVIEW_SENTENCES)
    used = {s.text for s in overview}
    parts: list[GuidePart] = []
    taken: set[str] = set()
    for name, sentences in list(groups.items())[:MAX_PARTS]:
        cancel.check()
        orders = {s.order for s in sentences}
        if chapter_mode:
            mine = [c for c in material.concepts if c.chapter == name and c.key not in taken]
        else:
            mine = [c for c in material.concepts if c.key not in taken and any(m.order in orders for m in c.mentions)]
        chosen = pick_key_concepts(mine, per_part)
        taken.update(c.key for c in chosen)
        summary = central_sentences(material, sentences, limit=SUMMARY_SENTENCES, exclude=used)
        used.update(s.text for s in summary)
        review = []
        for c in chosen:
            if c.definition is not None and c.definition_kind != EXPLAINED and len(review) < REVIEW_PER_PART:
                review.append(ReviewQuestion(question=what_is(c.term),
                                             answer=Claim(c.definition_text or c.definition.text,
                                                          [c.definition.citation()]),
                                             concept=c.term))
        head = sentences[0].passage
        path = [h for h in (name.split(" > ") if not chapter_mode else [name]) if h]
        parts.append(GuidePart(heading=path[-1] if path else head.source_name, heading_path=path,
                               source_id=head.source_id, summary=[_claim(s) for s in summary],
                               key_concepts=[key_concept(c) for c in chosen], review_questions=review))
    return StudyGuide(title=title_for("Study guide", material), overview=[_claim(s) for s in overview],
                      parts=parts, concept_map=concept_map(material))


def tier(c: MConcept) -> int:
    """0: the book marks it (glossary, key terms); 1: the text defines it; 2: only frequent."""
    if {"glossary", "key-terms", "emphasis"} & set(c.signals):
        return 0
    if " " not in c.key and c.key in GENERIC:  # "result", "view": defined in passing, not a key idea
        return 2
    if "defined" in c.signals or (c.definition is not None and c.definition_kind != EXPLAINED):
        return 1
    return 2


def pick_key_concepts(concepts: Sequence[MConcept], n: int, floor: int = 4) -> list[MConcept]:
    """The part's key concepts: marked and defined ones first; merely frequent ones only to reach
    a small floor when the text marks and defines too few."""
    ranked = sorted(concepts, key=lambda c: (tier(c), c.definition is None, -c.score))
    strong = [c for c in ranked if tier(c) < 2][:n]
    weak = [c for c in ranked if tier(c) == 2 and c.definition is not None][: max(0, floor - len(strong))]
    return sorted(strong + weak, key=lambda c: (tier(c), -c.score))


def what_is(term: str) -> str:
    """'What are abiotic factors?', 'What is meant by carrying capacity?' (no article to get wrong)."""
    if term.endswith("s") and not term.endswith(("ss", "us", "is", "sis", "ics")):
        return f"What are {term}?"
    return f"What is meant by {term}?"


def concept_map(material: Material, size: int = MAP_NODES) -> ConceptMap:
    """The key concepts with the relations the text states between them (typed, with evidence),
    grouped by chapter; a sensible default size, the full relation list stays in the analysis."""
    top = material.concepts[: size * 3]
    terms = {c.term for c in top}
    edges = [r for r in material.relations if r.source in terms and r.target in terms]
    connected: list[str] = []
    for r in sorted(edges, key=lambda r: -r.weight):
        for t in (r.source, r.target):
            if t not in connected:
                connected.append(t)
    nodes_terms = connected[:size]
    for c in top:
        if len(nodes_terms) >= size:
            break
        if c.term not in nodes_terms:
            nodes_terms.append(c.term)
    by_term = {c.term: c for c in top}
    nodes = [ConceptNode(t, round(by_term[t].score, 3), by_term[t].chapter) for t in nodes_terms]
    keep = set(nodes_terms)
    out_edges = [ConceptEdge(r.source, r.target, r.label, r.evidence.text, r.evidence.citation(), r.weight)
                 for r in edges if r.source in keep and r.target in keep]
    return ConceptMap(title="Concept map", nodes=nodes, edges=out_edges)


def render_markdown(g: StudyGuide) -> str:
    lines = [f"# {g.title}", ""]
    if g.overview:
        lines += ["## Overview", "", " ".join(f"{c.text} {cite_md(c.citations)}" for c in g.overview), ""]
    for part in g.parts:
        lines += [f"## {part.heading}", ""]
        if part.summary:
            lines += [" ".join(f"{c.text} {cite_md(c.citations)}" for c in part.summary), ""]
        if part.key_concepts:
            lines += ["### Key concepts", ""]
            for k in part.key_concepts:
                if k.definition:
                    note = " *(explained, not defined, in the text)*" if k.definition_kind == EXPLAINED else ""
                    cite = k.citation.label() if k.citation else ""
                    lines.append(f"- **{k.term}**: {k.definition}{note} {cite}".rstrip())
                else:
                    lines.append(f"- **{k.term}** (no definition found in the sources)")
            lines.append("")
        if part.review_questions:
            lines += ["### Review questions", ""]
            for n, rq in enumerate(part.review_questions, 1):
                lines.append(f"{n}. {rq.question}")
                if rq.answer:
                    lines.append(f"    *Answer:* {rq.answer.text} {cite_md(rq.answer.citations)}")
            lines.append("")
    if g.concept_map and g.concept_map.edges:
        lines += ["## How the key concepts connect", ""]
        for e in g.concept_map.edges:
            lines.append(f"- {e.source} **{e.label}** {e.target}: “{e.evidence}” "
                         f"{e.citation.label() if e.citation else ''}".rstrip())
        lines.append("")
    if g.sources:
        lines += ["## Sources", ""] + [f"- {s.title}" + (f", {s.author}" if s.author else "") for s in g.sources]
        lines.append("")
    return "\n".join(lines)
