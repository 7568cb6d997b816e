"""Cited answer, built offline: the sentences of the chosen sources that answer a question, each
cited, or "the sources do not say" when none covers what the question asks about.

A sentence answers when it holds the question's content words (weighted by how rare they are in
the material) and, for "what is X" questions, preferably defines X."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.formats.builtin import cite_md
from harvest_desktop.formats.grounding import THRESHOLD, _stem, validate
from harvest_desktop.formats.material import Material, build_material
from harvest_desktop.formats.schema import Answer, Claim
from harvest_desktop.understand.analysis import LIST, PROSE, defines
from harvest_desktop.understand.passages import Passage

NOT_FOUND = "The sources do not say."
MIN_COVERAGE = 0.7
MAX_CLAIMS = 3
_QWORDS = frozenset("""what which who whom whose when where why how is are was were do does did can could
should would will the a an of to in on for and or by with about from as at it its this that these those
define definition explain describe mean meaning means called name tell me give between difference differ
role purpose happen happens kind type example examples there be been being has have had not any""".split())
_WORD = re.compile(r"[a-z0-9]+")


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.casefold()) if w not in _QWORDS and len(w) > 1]


def answer_question(question: str, passages: Sequence[Passage], *, analyses: Mapping[int, Any] | None = None,
                    meta: Mapping[int, Any] | None = None, material: Material | None = None,
                    cancel: CancelToken = NEVER) -> Answer:
    question = " ".join(question.split())
    if material is None:
        material = build_material(passages, analyses, meta=meta, cancel=cancel)
    q = list(dict.fromkeys(_terms(question)))
    result = Answer(question=question, title=f"Answer: {question}", sources=material.sources)
    if not q:
        return result
    sents = [s for s in material.sentences if s.kind in (PROSE, LIST)]
    df: Counter[str] = Counter()
    toks = []
    for s in sents:
        t = set(_terms(s.text))
        toks.append(t)
        for w in q:
            if w in t:
                df[w] += 1
    n = max(1, len(sents))
    idf = {w: math.log(1 + n / (1 + df[w])) for w in q}
    total = sum(idf.values()) or 1.0
    m = re.match(r"^\s*(?:what|who)\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?(.+?)\??$", question, re.I)
    subject = m.group(1) if m else None
    scored = []
    for s, t in zip(sents, toks):
        cov = sum(idf[w] for w in q if w in t) / total
        if cov <= 0:
            continue
        bonus = 0.0
        if subject and defines(s.text, subject) is not None:
            bonus = 0.3
        scored.append((cov + bonus, cov, s))
    scored.sort(key=lambda x: (-x[0], x[2].order))
    if not scored or scored[0][1] < MIN_COVERAGE:
        return result
    best = scored[0][0]
    picked = []
    used: set[int] = set()
    for value, cov, s in scored:
        if value < 0.75 * best or cov < MIN_COVERAGE * 0.8 or len(picked) >= MAX_CLAIMS:
            break
        if s.passage.chunk_id in used:
            continue
        used.add(s.passage.chunk_id)
        picked.append(s)
    result.claims = [Claim(s.text, [s.citation()]) for s in sorted(picked, key=lambda s: s.order)]
    result.found = bool(result.claims)
    validate(result, material.passages, threshold=THRESHOLD)
    return result


def render_markdown(a: Answer) -> str:
    lines = [f"# {a.question}", ""]
    if not a.found:
        lines += [NOT_FOUND, ""]
    else:
        lines += [f"- {c.text} {cite_md(c.citations)}" for c in a.claims] + [""]
    return "\n".join(lines)


def render_text(a: Answer) -> str:
    if not a.found:
        return NOT_FOUND
    return "\n".join(f"- {c.text}\n  {cite_md(c.citations)}" for c in a.claims)
