"""Key concepts with a defining sentence from the sources, and the relationships between them.

spaCy (tags, lemmas, dependency parse) finds noun phrases and names; the lexical finder below is
the fallback when spaCy cannot load. Ranking prefers domain terms over generic words by combining
frequency, spread across passages, first position, presence in headings, being defined by the text,
multi-word and capitalised forms, and a penalty for generic nouns ("process", "way", "part").
With `vectors` given (chunk_id -> embedding), embedding centrality is blended in as well.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.understand.passages import Passage, split_sentences

if TYPE_CHECKING:  # pragma: no cover
    from harvest_desktop.understand.relations import Relation

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

_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+")
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


def _candidates(text: str) -> list[str]:
    """Noun-phrase-ish candidates: runs of 1-3 non-stopwords."""
    words = _WORD.findall(text)
    out: list[str] = []
    run: list[str] = []
    for w in words + ["."]:
        lw = w.lower()
        if lw in STOPWORDS or len(lw) < 3 or w == ".":
            for n in (1, 2, 3):
                for i in range(len(run) - n + 1):
                    out.append(" ".join(run[i:i + n]))
            run = []
        else:
            run.append(lw)
    return out


def _singular(term: str) -> str:
    words = term.split()
    last = words[-1]
    if len(last) > 4 and last.endswith("ies"):
        last = last[:-3] + "y"
    elif len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return " ".join(words[:-1] + [last])


def extract_concepts(passages: Sequence[Passage], limit: int = 20, cancel: CancelToken = NEVER,
                     *, vectors=None) -> list[Concept]:
    """Ranked key concepts with definition, citation, aliases and mentions; deterministic."""
    from harvest_desktop.understand import nlp

    if passages and nlp.get_nlp() is not None:
        from harvest_desktop.understand.ranking import extract_concepts_spacy

        return extract_concepts_spacy(passages, limit, cancel, vectors=vectors)
    return extract_concepts_lexical(passages, limit, cancel)


def extract_relations(passages: Sequence[Passage], concepts: Sequence[Concept], *, limit: int = 60,
                      cancel: CancelToken = NEVER) -> list["Relation"]:
    """Relations between the given concepts ("is a", "part of", "causes", "located in", verbs,
    co-occurrence), each with the sentence that supports it and that sentence's passage."""
    from harvest_desktop.understand.relations import extract_relations as run

    return run(passages, concepts, limit=limit, cancel=cancel)


def extract_concepts_lexical(passages: Sequence[Passage], limit: int = 20,
                             cancel: CancelToken = NEVER) -> list[Concept]:
    """Rank terms by frequency x spread x early position; attach the best defining sentence."""
    tf: Counter[str] = Counter()
    df: Counter[str] = Counter()
    first_pos: dict[str, int] = {}
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    mentions: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for pi, p in enumerate(passages):
        cancel.check()
        seen = set()
        for cand in _candidates(p.text):
            key = _singular(cand)
            tf[key] += 1
            surface[key][cand] += 1
            first_pos.setdefault(key, pi)
            mentions[key].add((p.source_id, p.heading_path))
            seen.add(key)
        for key in seen:
            df[key] += 1
        for h in p.heading_path.split(" > ") if p.heading_path else []:
            for cand in _candidates(h):
                tf[_singular(cand)] += 2
                surface[_singular(cand)][cand] += 1
    n = max(1, len(passages))
    scored: list[tuple[float, str]] = []
    for key, freq in tf.items():
        if freq < 2 and n > 1:
            continue
        words = key.split()
        length_bonus = 1.0 + 0.35 * (len(words) - 1)
        spread = math.log1p(df[key])
        position = 1.0 + 0.5 * (1 - first_pos.get(key, n) / n)
        scored.append((math.log1p(freq) * spread * length_bonus * position, key))
    scored.sort(key=lambda x: (-x[0], x[1]))
    chosen: list[Concept] = []
    taken: list[str] = []
    for score, key in scored:
        if any(key in t.split() or key == t or (key in t and len(key.split()) == 1) for t in taken):
            continue
        if any(t in key for t in taken if len(t.split()) > 1 and len(key.split()) == 1):
            continue
        term = surface[key].most_common(1)[0][0]
        definition, cite = find_definition(term, passages)
        concept = Concept(term=term, score=round(score, 4), definition=definition, citation=cite,
                          aliases=sorted(set(surface[key]) - {term}),
                          mentions=sorted(mentions[key]))
        chosen.append(concept)
        taken.append(key)
        if len(chosen) >= limit * 3:
            break
    # Prefer concepts we can define: a study guide cites its definitions.
    chosen.sort(key=lambda c: (c.definition is None, -c.score))
    return chosen[:limit]


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
