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
from typing import TYPE_CHECKING, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.understand.passages import Passage
# The shared vocabulary lives in terms.py so that ranking and relations need not import this module
# (which dispatches to them): no import cycle, even inside functions.
from harvest_desktop.understand.terms import STOPWORDS, Concept, find_definition  # noqa: F401

if TYPE_CHECKING:  # pragma: no cover
    from harvest_desktop.understand.relations import Relation

_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+")
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
