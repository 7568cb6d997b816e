"""Study guide, built offline: overview, key concepts with source definitions, section
summaries and a quiz with an answer key. Every sentence is taken from a source and cited."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.formats.registry import BUILTIN, FormatResult
from harvest_desktop.understand.passages import Passage, split_sentences

MAX_CONCEPTS = 15
MAX_SECTIONS = 14
MAX_QUIZ = 10
OVERVIEW_SENTENCES = 4
LETTERS = "ABCD"


def build_study_guide(passages: Sequence[Passage], *, cancel: CancelToken = NEVER,
                      progress: ProgressFn = no_progress) -> FormatResult:
    from harvest_desktop.understand.concepts import extract_concepts

    progress(Progress(0, 4, "Finding key concepts"))
    passages = _unique_passages(passages)
    concepts = extract_concepts(passages, limit=MAX_CONCEPTS, cancel=cancel)
    cancel.check()
    terms = [(c.term, max(c.score, 0.01)) for c in concepts]

    progress(Progress(1, 4, "Choosing overview sentences"))
    scored = _score_sentences(passages, terms)
    overview = _overview(scored)
    cancel.check()

    progress(Progress(2, 4, "Summarising sections"))
    sections = _sections(passages, [s for s in scored if s["text"] not in {o["text"] for o in overview}])
    cancel.check()

    progress(Progress(3, 4, "Writing the quiz"))
    concept_items = [
        {"term": c.term, "definition": c.definition, "aliases": list(c.aliases)[:5],
         "citation": c.citation.citation_dict() if c.citation else None,
         "cite": c.citation.cite() if c.citation else ""}
        for c in concepts
    ]
    quiz = _quiz(concept_items, scored)
    sources = _sources(passages)
    title = "Study guide: " + (", ".join(s["name"] for s in sources[:2]) + (" and more" if len(sources) > 2 else ""))
    content = {"kind": "study-guide", "title": title, "overview": overview, "concepts": concept_items,
               "sections": sections, "quiz": quiz, "sources": sources}
    progress(Progress(4, 4, "Done"))
    return FormatResult(title=title, content=content, markdown=render_markdown(content), engine=BUILTIN,
                        route_reason="built-in offline engine: extractive, no keys or network needed")


def _unique_passages(passages: Sequence[Passage]) -> list[Passage]:
    """Drop passages whose normalised text repeats (near-duplicates were dropped by the library)."""
    seen: set[str] = set()
    out = []
    for p in passages:
        key = re.sub(r"\W+", " ", p.text.casefold()).strip()
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _score_sentences(passages: Sequence[Passage], terms: list[tuple[str, float]]) -> list[dict[str, Any]]:
    patterns = [(t, w, re.compile(rf"\b{re.escape(t)}", re.IGNORECASE)) for t, w in terms]
    out = []
    for pi, p in enumerate(passages):
        for si, sent in enumerate(split_sentences(p.text)):
            words = len(sent.split())
            if words < 6 or words > 60 or not sent[0].isalnum() or sent.rstrip()[-1:] not in ".!?\"')":
                continue
            hits = [t for t, _w, pat in patterns if pat.search(sent)]
            weight = sum(w for t, w, _ in patterns if t in hits)
            score = weight / (1 + abs(words - 22) / 22)
            out.append({"text": sent, "passage": p, "order": (pi, si), "terms": hits, "score": score})
    return out


def _cited(item: dict[str, Any]) -> dict[str, Any]:
    p: Passage = item["passage"]
    return {"text": item["text"], "cite": p.cite(), "citation": p.citation_dict()}


def _overview(scored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    picked: list[dict[str, Any]] = []
    used_passages: set[int] = set()
    covered: set[str] = set()
    for item in sorted(scored, key=lambda s: (-s["score"], s["order"])):
        if item["passage"].chunk_id in used_passages or not item["terms"]:
            continue
        if covered and set(item["terms"]) <= covered:
            continue
        picked.append(item)
        used_passages.add(item["passage"].chunk_id)
        covered.update(item["terms"])
        if len(picked) >= OVERVIEW_SENTENCES:
            break
    if not picked:
        picked = sorted(scored, key=lambda s: s["order"])[:OVERVIEW_SENTENCES]
    return [_cited(i) for i in sorted(picked, key=lambda s: s["order"])]


def _sections(passages: Sequence[Passage], scored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: "OrderedDict[tuple[int, str], list[dict[str, Any]]]" = OrderedDict()
    for p in passages:
        groups.setdefault((p.source_id, p.heading_path), [])
    for item in scored:
        p = item["passage"]
        groups[(p.source_id, p.heading_path)].append(item)
    ranked = []
    for order, ((sid, heading), items) in enumerate(groups.items()):
        if not items:
            continue
        best = sorted(items, key=lambda s: (-s["score"], s["order"]))[:2]
        strength = sum(s["score"] for s in best)
        ranked.append((strength, order, sid, heading, sorted(best, key=lambda s: s["order"])))
    keep = sorted(ranked, key=lambda r: (-r[0], r[1]))[:MAX_SECTIONS]
    out = []
    for _strength, _order, sid, heading, best in sorted(keep, key=lambda r: r[1]):
        source = best[0]["passage"].source_name
        out.append({"heading": heading.split(" > ")[-1] if heading else source, "path": heading,
                    "source": source, "source_id": sid, "summary": [_cited(i) for i in best]})
    return out


def _quiz(concepts: list[dict[str, Any]], scored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    defined = [c for c in concepts if c["definition"]]
    all_terms = [c["term"] for c in concepts]
    for i, c in enumerate(defined):
        if len(questions) >= MAX_QUIZ // 2 + 1 or len(all_terms) < 2:
            break
        blanked = _blank(c["definition"], [c["term"], *c["aliases"]])
        if blanked is None:
            continue
        others = [t for t in all_terms if t.casefold() != c["term"].casefold()
                  and t.casefold() not in c["term"].casefold() and c["term"].casefold() not in t.casefold()]
        distractors = [others[(i + k) % len(others)] for k in range(min(3, len(others)))] if others else []
        options = sorted({c["term"], *distractors}, key=str.casefold)
        questions.append({"type": "multiple-choice", "question": f"Which term completes this statement? “{blanked}”",
                          "options": options, "answer": c["term"],
                          "answer_letter": LETTERS[options.index(c["term"])],
                          "cite": c["cite"], "citation": c["citation"]})
    used = {q["cite"] + q["answer"] for q in questions}
    for item in sorted(scored, key=lambda s: (-s["score"], s["order"])):
        if len(questions) >= MAX_QUIZ:
            break
        if not item["terms"]:
            continue
        term = max(item["terms"], key=len)
        blanked = _blank(item["text"], [term])
        key = item["passage"].cite() + term
        if blanked is None or key in used:
            continue
        used.add(key)
        questions.append({"type": "fill-in", "question": f"Fill in the blank: “{blanked}”", "options": [],
                          "answer": term, "answer_letter": "", **{k: v for k, v in _cited(item).items()
                                                                  if k != "text"}})
    return questions


def _blank(sentence: str, terms: list[str]) -> str | None:
    """Blank every form of the answer (term and aliases), longest first, or None if none occurs."""
    blanked = sentence
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        pat = re.compile(rf"\b{re.escape(term)}(?:s|es)?\b", re.IGNORECASE)
        blanked = pat.sub("_____", blanked)
    return blanked if blanked != sentence else None


def _sources(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    seen: "OrderedDict[int, dict[str, Any]]" = OrderedDict()
    for p in passages:
        entry = seen.setdefault(p.source_id, {"id": p.source_id, "name": p.source_name, "pages": set()})
        if p.page:
            entry["pages"].add(p.page)
    return [{"id": e["id"], "name": e["name"], "pages": sorted(e["pages"])} for e in seen.values()]


def render_markdown(content: dict[str, Any]) -> str:
    lines = [f"# {content['title']}", ""]
    if content["overview"]:
        lines += ["## Overview", ""]
        lines += [" ".join(f"{s['text']} {s['cite']}" for s in content["overview"]), ""]
    if content["concepts"]:
        lines += ["## Key concepts", ""]
        for c in content["concepts"]:
            if c["definition"]:
                lines.append(f"- **{c['term']}**: {c['definition']} {c['cite']}")
            else:
                lines.append(f"- **{c['term']}** (no definition found in the sources)")
        lines.append("")
    if content["sections"]:
        lines += ["## Section summaries", ""]
        for sec in content["sections"]:
            heading = sec["heading"] if sec["heading"] == sec["source"] else f"{sec['heading']} ({sec['source']})"
            lines += [f"### {heading}", ""]
            lines += [" ".join(f"{s['text']} {s['cite']}" for s in sec["summary"]), ""]
    if content["quiz"]:
        lines += ["## Quiz", ""]
        for n, q in enumerate(content["quiz"], 1):
            lines.append(f"{n}. {q['question']}")
            for letter, opt in zip(LETTERS, q["options"]):
                lines.append(f"    {letter}. {opt}")
        lines += ["", "### Answer key", ""]
        for n, q in enumerate(content["quiz"], 1):
            ans = f"{q['answer_letter']}. {q['answer']}" if q["answer_letter"] else q["answer"]
            lines.append(f"{n}. {ans} {q['cite']}")
        lines.append("")
    if content["sources"]:
        lines += ["## Sources", ""]
        for s in content["sources"]:
            pages = f", pages {s['pages'][0]}–{s['pages'][-1]}" if len(s["pages"]) > 1 else (
                f", page {s['pages'][0]}" if s["pages"] else "")
            lines.append(f"- {s['name']}{pages}")
        lines.append("")
    return "\n".join(lines)
