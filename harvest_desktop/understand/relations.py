"""Relationships between key concepts, each kept with the sentence that supports it.

Within a sentence that mentions two concepts, the dependency parse decides the label:
- "is a":       X is a/an Y                      (X subject of "be", Y its attribute)
- "part of":    X is part of Y / Y contains, includes, consists of, has X (reversed)
- "causes":     X causes / leads to / results in / produces / releases / triggers Y
- "located in": X is located / found / situated in Y, X takes place / occurs / lives in Y
- a verb:       X <verb> Y when X is the subject and Y the object of the same verb ("absorbs")
- "related to": the two only co-occur; weight is how many sentences they share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.understand.terms import Concept
from harvest_desktop.understand.passages import Passage, split_sentences

IS_A, PART_OF, CAUSES, LOCATED_IN, RELATED = "is a", "part of", "causes", "located in", "related to"
CAUSE_VERBS = {"cause", "trigger", "produce", "release", "generate", "create", "induce"}
CAUSE_PHRASES = (r"\blead(?:s|ing)? to\b", r"\bled to\b", r"\bresult(?:s|ed)? in\b", r"\bgive(?:s)? rise to\b")
LOCATION_VERBS = {"locate", "find", "situate", "occur", "live", "lie", "sit", "happen", "store", "grow"}
HAS_PART_VERBS = {"contain", "include", "comprise", "have"}
PATTERN_WEIGHT = 2.0  # a stated relation counts for more than a shared sentence


@dataclass
class Relation:
    source: str          # concept term
    target: str          # concept term
    label: str
    weight: float
    evidence: str        # the sentence, verbatim
    citation: Passage | None = None


def extract_relations(passages: Sequence[Passage], concepts: Sequence[Concept], *, limit: int = 60,
                      cancel: CancelToken = NEVER) -> list[Relation]:
    from harvest_desktop.understand import nlp

    if not concepts or not passages:
        return []
    if nlp.get_nlp() is None:
        return _cooccurrence_only(passages, concepts, limit)
    from spacy.matcher import PhraseMatcher
    from spacy.util import filter_spans

    pipeline = nlp.get_nlp()
    matcher = PhraseMatcher(pipeline.vocab, attr="LOWER")
    forms_of: dict[str, str] = {}
    for c in concepts:
        for form in [c.term, *c.aliases]:
            form = re.sub(r"^the\s+", "", form, flags=re.IGNORECASE)
            if form and form.lower() not in forms_of:
                forms_of[form.lower()] = c.term
    matcher.add("CONCEPT", list(pipeline.tokenizer.pipe(sorted(forms_of))))

    found: dict[tuple[str, str, str], Relation] = {}
    for start in range(0, len(passages), 256):
        cancel.check()
        part = passages[start:start + 256]
        for p, doc in zip(part, nlp.parse([q.text for q in part])):
            spans = filter_spans([doc[s:e] for _, s, e in matcher(doc)])
            by_sent: dict[int, list] = {}
            for span in spans:
                by_sent.setdefault(span.sent.start, []).append(span)
            for sent_spans in by_sent.values():
                mentioned = [(forms_of[s.text.lower()], s) for s in sent_spans]
                for i in range(len(mentioned)):
                    for j in range(i + 1, len(mentioned)):
                        (ta, sa), (tb, sb) = mentioned[i], mentioned[j]
                        if ta == tb:
                            continue
                        rel = _classify(sa, sb)
                        src, dst, label = (ta, tb, rel) if rel else (min(ta, tb), max(ta, tb), RELATED)
                        if rel and rel.startswith("~"):  # reversed: "Y contains X" -> X part of Y
                            src, dst, label = tb, ta, rel[1:]
                        _add(found, src, dst, label, sa.sent.text.strip(), p)
    # A pair with a stated relation does not also need a co-occurrence edge.
    stated = {(r.source, r.target) for r in found.values() if r.label != RELATED}
    stated |= {(b, a) for a, b in stated}
    out = [r for r in found.values() if r.label != RELATED or (r.source, r.target) not in stated]
    out.sort(key=lambda r: (-r.weight, r.source, r.target, r.label))
    return out[:limit]


def _add(found: dict, src: str, dst: str, label: str, sentence: str, p: Passage) -> None:
    key = (src, dst, label)
    inc = PATTERN_WEIGHT if label != RELATED else 1.0
    if key in found:
        rel = found[key]
        rel.weight += inc
        if len(sentence) < len(rel.evidence) and label == RELATED:
            rel.evidence, rel.citation = sentence, p
    else:
        found[key] = Relation(src, dst, label, inc, sentence, p)


def _classify(a, b) -> str | None:
    """Label for a -> b from the parse, or '~label' for b -> a, or None for mere co-occurrence."""
    ra, rb = a.root, b.root
    verb = ra.head if ra.dep_ in ("nsubj", "nsubjpass") else None
    if verb is None or not _governs(verb, rb):
        # "Y contains X" with X first is unusual; try the mirror once.
        if rb.dep_ in ("nsubj", "nsubjpass") and _governs(rb.head, ra) and rb.head.lemma_ in HAS_PART_VERBS:
            return PART_OF
        return None
    lemma = verb.lemma_.lower()
    between = a.doc[a.end:b.start].text.lower()
    if lemma == "be":
        if re.search(r"\bpart of\b|\bcomponent of\b|\bmember of\b", between):
            return PART_OF
        if re.search(r"\b(located|found|situated) in\b|\bin\b", between) and rb.dep_ == "pobj":
            return LOCATED_IN
        if rb.dep_ == "attr" or (rb.head.dep_ == "attr" and rb.head.lower_ in ("kind", "type", "form")):
            return IS_A
        if rb.dep_ == "pobj" and rb.head.head.dep_ == "attr" and re.search(r"\b(?:a|an) (?:kind|type|form|series) of\b",
                                                                         between):
            return IS_A
        return None
    if lemma in HAS_PART_VERBS and rb.dep_ in ("dobj", "attr") or re.search(r"\bconsists? of\b|\bis made of\b", between):
        return "~" + PART_OF
    if lemma in CAUSE_VERBS or any(re.search(pat, between) for pat in CAUSE_PHRASES):
        return CAUSES
    if (lemma in LOCATION_VERBS or (lemma == "take" and "place" in between)) and rb.dep_ == "pobj" \
            and rb.head.lower_ in ("in", "inside", "within", "on", "at", "near"):
        return LOCATED_IN
    if rb.dep_ == "dobj" and rb.head.i == verb.i:
        return _verb_label(verb)
    return None


def _governs(verb, token) -> bool:
    """token sits in verb's clause (not inside a nested clause of its own)."""
    t = token
    for _ in range(64):  # parse trees are shallow; the bound guards against a malformed one
        if t.i == verb.i:
            return True
        if t.head.i == t.i:
            return False
        if t.dep_ in ("relcl", "advcl", "ccomp", "acl") and t.i != token.i:
            return False
        t = t.head
    return False


def _verb_label(verb) -> str:
    text = verb.text.lower()
    return text if verb.tag_ in ("VBZ", "VBD") else verb.lemma_.lower() + "s"


def _cooccurrence_only(passages: Sequence[Passage], concepts: Sequence[Concept], limit: int) -> list[Relation]:
    found: dict[tuple[str, str, str], Relation] = {}
    pats = [(c.term, re.compile(rf"\b{re.escape(c.term)}", re.IGNORECASE)) for c in concepts]
    for p in passages:
        for sent in split_sentences(p.text):
            present = sorted({t for t, pat in pats if pat.search(sent)})
            for i in range(len(present)):
                for j in range(i + 1, len(present)):
                    _add(found, present[i], present[j], RELATED, sent, p)
    out = sorted(found.values(), key=lambda r: (-r.weight, r.source, r.target))
    return out[:limit]
