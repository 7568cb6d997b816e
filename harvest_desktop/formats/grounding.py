"""The grounding validator every format runs before anything is shown (built-in and generative).

For each item: every citation resolves to a passage that was given and its quote is in that
passage; for a question the answer is among its options and appears in (or, for a false
statement, is contradicted by) the cited passage; a grounding score is the similarity of the
item's claim to its cited passages. Items that fail are dropped, or regenerated when a
regenerate callback is given and then flagged if they still fail, never silently kept. The
report (score per format, counts, one line per problem) goes into the content's `grounding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from harvest_desktop.formats.schema import (FLAGGED, GROUNDED, Answer, Briefing, Citation, Claim, FAQ,
                                            BlogPost, Flashcard, Flashcards, GroundingReport, Quiz,
                                            QuizQuestion, StudyGuide, VideoScript)
from harvest_desktop.understand.passages import Passage

THRESHOLD = 0.6
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset("""a an the of to in on at by for from with and or but is are was were be been being it its
this that these those as which who whom whose what when where why how not no than then so such can could may
might must shall should will would do does did has have had into onto over under about also very there their
they them he she his her we our you your i""".split())


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.casefold().replace("’", "'")) if w not in _STOP]


def _stem(w: str) -> str:
    for suf in ("ies", "es", "s", "ed", "ing", "ly"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def similarity(claim: str, passage: str) -> float:
    """How much of the claim the passage supports: containment of its words and word pairs (0..1)."""
    ct = _tokens(claim)
    if not ct:
        return 0.0
    pt = _tokens(passage)
    pset = set(pt)
    uni = sum(1 for t in ct if t in pset) / len(ct)
    if len(ct) < 2:
        return uni
    pbi = set(zip(pt, pt[1:]))
    cbi = list(zip(ct, ct[1:]))
    bi = sum(1 for b in cbi if b in pbi) / len(cbi)
    return round(0.5 * uni + 0.5 * bi, 4)


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def contains(passage: str, words: str) -> bool:
    """The words appear in the passage (whitespace, case and a plural ending aside)."""
    w = _norm(words)
    if not w:
        return False
    p = _norm(passage)
    if w in p:
        return True
    stem = re.sub(r"(?:ies|es|s)$", "", w)
    return len(stem) >= 3 and re.search(rf"\b{re.escape(stem)}", p) is not None


@dataclass
class Verdict:
    ok: bool
    score: float
    problem: str = ""


class Validator:
    """Checks items against the passages the generator was given."""

    def __init__(self, passages: Iterable[Passage] | Mapping[int, Passage], threshold: float = THRESHOLD) -> None:
        self.passages: dict[int, Passage] = dict(passages) if isinstance(passages, Mapping) else {
            p.chunk_id: p for p in passages}
        self.threshold = threshold

    # -- pieces -----------------------------------------------------------------------------------
    def resolve(self, cit: Citation | None) -> tuple[Passage | None, str]:
        if cit is None:
            return None, "no citation"
        p = self.passages.get(cit.passage) if cit.passage is not None else None
        if p is None:
            return None, f"citation to passage {cit.passage} that was not given"
        if cit.source_id is not None and cit.source_id != p.source_id:
            return None, f"citation names source {cit.source_id} but passage {cit.passage} is from {p.source_id}"
        if cit.quote and not contains(p.text, cit.quote):
            return None, f"quote not found in passage {cit.passage}"
        return p, ""

    def claim(self, text: str, citations: Sequence[Citation]) -> Verdict:
        if not citations:
            return Verdict(False, 0.0, "no citation")
        texts = []
        for cit in citations:
            p, why = self.resolve(cit)
            if p is None:
                return Verdict(False, 0.0, why)
            texts.append(p.text)
        score = max(similarity(text, t) for t in texts)
        if score < self.threshold:
            return Verdict(False, score, f"grounding {score:.2f} under {self.threshold:.2f}")
        return Verdict(True, score)

    def question(self, q: QuizQuestion) -> Verdict:
        p, why = self.resolve(q.citation)
        if p is None:
            return Verdict(False, 0.0, why)
        if q.type in ("mcq", "tf"):
            if q.answer not in q.options:
                return Verdict(False, 0.0, "answer is not among the options")
            if len(set(q.options)) != len(q.options):
                return Verdict(False, 0.0, "options repeat")
        if q.type == "matching":
            if len(q.pairs) < 2:
                return Verdict(False, 0.0, "fewer than two pairs")
            scores = []
            for pair in q.pairs:
                pp, why = self.resolve(pair.citation or q.citation)
                if pp is None:
                    return Verdict(False, 0.0, why)
                if not contains(pp.text, pair.left):
                    return Verdict(False, 0.0, f"'{pair.left}' not in its cited passage")
                scores.append(similarity(pair.right, pp.text))
            score = min(scores)
        elif q.type == "tf":
            quote = q.citation.quote if q.citation else ""
            if q.answer == "True":
                score = similarity(_statement(q.prompt), p.text)
            else:  # a false statement: the passage must hold the true one the explanation gives
                score = similarity(quote or q.explanation, p.text)
                if _norm(_statement(q.prompt)) == _norm(quote):
                    return Verdict(False, 0.0, "a 'false' statement identical to its passage")
        else:
            if q.type in ("mcq", "cloze", "short") and not contains(p.text, q.answer):
                return Verdict(False, 0.0, f"answer '{q.answer}' not in its cited passage")
            filled = q.prompt.replace("_____", q.answer)
            basis = q.citation.quote if q.citation and q.citation.quote else filled
            score = similarity(basis, p.text)
        if score < self.threshold:
            return Verdict(False, score, f"grounding {score:.2f} under {self.threshold:.2f}")
        return Verdict(True, score)

    def card(self, c: Flashcard) -> Verdict:
        p, why = self.resolve(c.citation)
        if p is None:
            return Verdict(False, 0.0, why)
        if c.kind == "cloze":
            answers = re.findall(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", c.cloze)
            if not answers:
                return Verdict(False, 0.0, "cloze card without a deletion")
            for a in answers:
                if not contains(p.text, a):
                    return Verdict(False, 0.0, f"cloze answer '{a}' not in its cited passage")
            text = re.sub(r"\{\{c\d+::(.+?)(?:::[^}]*)?\}\}", r"\1", c.cloze)
        else:
            if c.concept and not contains(p.text, c.concept) and not contains(p.text, c.front):
                return Verdict(False, 0.0, f"'{c.concept}' not in its cited passage")
            text = c.back
        score = similarity(text, p.text)
        if score < self.threshold:
            return Verdict(False, score, f"grounding {score:.2f} under {self.threshold:.2f}")
        return Verdict(True, score)


def _statement(prompt: str) -> str:
    return re.sub(r"^(?:true\s+or\s+false\s*[:?]\s*)", "", prompt, flags=re.I).strip().strip("“”\"")


def _keep(items: list, check: Callable[[Any], Verdict], report: GroundingReport, label: Callable[[Any], str],
          regenerate: Callable[[Any, str], Any] | None, scores: list[float]) -> list:
    kept = []
    for it in items:
        report.checked += 1
        v = check(it)
        if v.ok:
            it.grounding, it.status = v.score, GROUNDED
            report.passed += 1
            scores.append(v.score)
            kept.append(it)
            continue
        if regenerate is not None:
            new = regenerate(it, v.problem)
            if new is not None:
                v2 = check(new)
                new.grounding = v2.score
                new.status = GROUNDED if v2.ok else FLAGGED
                if v2.ok:
                    report.passed += 1
                    scores.append(v2.score)
                else:
                    report.flagged += 1
                    report.problems.append(f"flagged {label(new)}: {v2.problem}")
                kept.append(new)
                continue
        report.dropped += 1
        report.problems.append(f"dropped {label(it)}: {v.problem}")
    return kept


def _finish(report: GroundingReport, scores: list[float], threshold: float) -> GroundingReport:
    report.threshold = threshold
    report.score = round(sum(scores) / len(scores), 4) if scores else None
    return report


def validate(content: Any, passages: Iterable[Passage] | Mapping[int, Passage], *, threshold: float = THRESHOLD,
             regenerate: Callable[[Any, str], Any] | None = None) -> GroundingReport:
    """Validate a content object in place (failing items dropped or regenerated/flagged); its report."""
    v = Validator(passages, threshold)
    report = GroundingReport()
    scores: list[float] = []

    def claims(items: list[Claim]) -> list[Claim]:
        return _keep(items, lambda c: v.claim(c.text, c.citations), report, lambda c: f"claim “{c.text[:60]}”",
                     regenerate, scores)

    if isinstance(content, Quiz):
        content.questions = _keep(content.questions, v.question, report, lambda q: f"question {q.id}",
                                  regenerate, scores)
    elif isinstance(content, Flashcards):
        content.cards = _keep(content.cards, v.card, report, lambda c: f"card {c.id}", regenerate, scores)
    elif isinstance(content, StudyGuide):
        content.overview = claims(content.overview)
        for part in content.parts:
            part.summary = claims(part.summary)
            concept_claims = _keep(
                part.key_concepts, lambda k: v.claim(k.definition, [k.citation] if k.citation else []) if
                k.definition else Verdict(True, 1.0), report, lambda k: f"concept {k.term}", None, scores)
            part.key_concepts = concept_claims
            for rq in part.review_questions:
                if rq.answer is not None:
                    kept = claims([rq.answer])
                    rq.answer = kept[0] if kept else None
            part.review_questions = [rq for rq in part.review_questions if rq.answer is not None]
    elif isinstance(content, Briefing):
        content.points = claims(content.points)
    elif isinstance(content, FAQ):
        for item in content.items:
            item.answer = claims(item.answer)
        content.items = [i for i in content.items if i.answer]
    elif isinstance(content, Answer):
        content.claims = claims(content.claims)
        content.found = content.found and bool(content.claims)
    elif isinstance(content, BlogPost):
        for sec in content.sections:
            sec.paragraphs = claims(sec.paragraphs)
        for attr in ("hook", "conclusion"):
            c = getattr(content, attr)
            if c.text:
                kept = claims([c])  # the claim itself, its rewrite, or nothing
                setattr(content, attr, kept[0] if kept else Claim())
    elif isinstance(content, VideoScript):
        content.scenes = _keep(content.scenes, lambda s: v.claim(s.narration, s.citations), report,
                               lambda s: f"scene “{s.narration[:40]}”", regenerate, scores)
    else:
        raise TypeError(f"no grounding rules for {type(content).__name__}")
    report = _finish(report, scores, threshold)
    if hasattr(content, "grounding"):
        content.grounding = report
    return report
