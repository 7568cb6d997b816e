"""What the concept finders share: the Concept record, stopwords, and the definition finder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from harvest_desktop.understand.passages import Passage, split_sentences

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else even ever every few for from
further had has have having he her here hers herself him himself his how however i if in into is it its
itself just last least less let like made make many may me might more most much must my myself neither
never new no nor not now of off often on once one only or other our ours ourselves out over own per
perhaps rather same several shall she should since so some such than that the their theirs them
themselves then there these they this those though through thus to too two under until up upon us use
used uses using very via was we well were what when where whether which while who whom whose why will
with within without would yet you your yours yourself yourselves first second third also usually often
called known example examples way ways thing things part parts kind kinds type types called however
therefore although since within without around another each many much such lot lots number
""".split())

_DEF_PATTERNS = (
    r"\b{t}s?\b\s*(?:\([^)]*\)\s*)?(?:is|are|was|were|refers to|means|describes|denotes)\b",
    r"\b{t}s?\b\s*,\s*(?:also called|or|which is)\b",
    r"\b(?:called|known as|termed|named)\s+(?:the\s+|an?\s+)?{t}\b",
    r"\b{t}\b\s*,\s*(?:an?|the)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:that|which|found|made|of|used|where)\b",
)


@dataclass
class Concept:
    term: str
    score: float
    definition: str | None = None
    citation: Passage | None = None
    aliases: list[str] = field(default_factory=list)
    mentions: list[tuple[int, str]] = field(default_factory=list)  # (source_id, heading_path)
    kind: str = "term"  # "term" | "name" (a proper noun: person, place, organisation, ...)
    definition_kind: str = ""  # "glossary" | "defined" | "explained" (the sentence that best explains it)
    chapter: str = ""  # the chapter it belongs to (groups the concept map)


def find_definition(term: str, passages: Sequence[Passage]) -> tuple[str | None, Passage | None]:
    """The sentence that best defines term, taken verbatim from a passage, with that passage."""
    t = re.escape(term)
    best: tuple[int, int, str, Passage] | None = None
    for p in passages:
        if term.lower() not in p.text.lower():
            continue
        for sent in split_sentences(p.text):
            if len(sent) < 25 or len(sent) > 400:
                continue
            for rank, pat in enumerate(_DEF_PATTERNS):
                if re.search(pat.format(t=t), sent, flags=re.IGNORECASE):
                    starts = 0 if re.match(rf"^(?:an?\s+|the\s+)?{t}", sent, flags=re.IGNORECASE) else 1
                    cand = (rank + starts, len(sent), sent, p)
                    if best is None or cand[:2] < best[:2]:
                        best = cand
                    break
    if best is None:
        return None, None
    sent = best[2]
    # A heading glued to the sentence ("Volcanoes A volcano is ...", common in PDFs) is not part of it.
    m = re.search(rf"\b(?:an?\s+|the\s+)?{t}\b", sent, flags=re.IGNORECASE)
    if m and m.start() > 0:
        prefix = sent[:m.start()].split()
        if len(prefix) <= 6 and all(w[:1].isupper() for w in prefix) and sent[m.start()].isupper():
            sent = sent[m.start():]
    return sent, best[3]
