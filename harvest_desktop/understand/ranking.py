"""Concept candidates from spaCy noun phrases, ranked so domain terms beat generic words."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.understand.terms import STOPWORDS, Concept, find_definition
from harvest_desktop.understand.passages import Passage

# Head nouns that say little on their own; a phrase built on them ("Calvin cycle") is fine.
GENERIC_NOUNS = frozenset("""
process way thing part result example number time year people person use lot kind type form step
stage case fact point area level amount side end group idea place word term matter order role
purpose effect change state set range method approach issue problem question answer reason line
rest top bottom front back name series variety majority percent half third quarter day week month
hour minute man woman child member everything something anything nothing others lots deal couple
piece bit section chapter page figure table list item detail aspect feature factor element
""".split())
TRIM_ADJ = frozenset("""
many other such main large small new several various different same next following certain few
much more most less least own whole entire particular specific important major minor good great
""".split())
NAME_POS = {"PROPN"}
_ABBR = re.compile(r"\b((?:[A-Za-z][\w\-]*\s+){0,6}[A-Za-z][\w\-]*)\s+\(([A-Z][A-Za-z0-9]{1,9})\)")


def _key_of(tokens) -> str:
    """Lower-case words with the head lemmatised: 'the Calvin cycles' -> 'calvin cycle'."""
    words = [t.lower_ for t in tokens[:-1]]
    last = tokens[-1]
    head = last.lower_ if last.pos_ in NAME_POS else (last.lemma_.lower() or last.lower_)
    return " ".join(words + [head])


def _trim(span):
    """Drop determiners, pronouns, numbers and vague adjectives from the front; keep after 'and'."""
    toks = [t for t in span if not t.is_punct or t.text == "-"]
    for i in range(len(toks) - 1, -1, -1):
        if toks[i].pos_ == "CCONJ":
            toks = toks[i + 1:]
            break
    det = None
    while toks and (toks[0].pos_ in ("DET", "PRON", "NUM", "PART", "ADV") or toks[0].dep_ == "poss"
                    or toks[0].lower_ in TRIM_ADJ or toks[0].lower_ in STOPWORDS):
        if toks[0].pos_ == "DET" and toks[0].lower_ == "the":
            det = "the"
        toks = toks[1:]
    while toks and (toks[-1].is_punct or toks[-1].pos_ in ("DET", "PART")):
        toks = toks[:-1]
    if len(toks) > 4:
        toks = toks[-3:]
    return toks, det


def _surface(toks) -> str:
    """The phrase as written; a capital that only marks the sentence start is lowered."""
    words = [t.text for t in toks]
    first = toks[0]
    if first.is_sent_start and first.pos_ not in NAME_POS and first.text[:1].isupper() and not first.is_upper:
        words[0] = first.text[:1].lower() + first.text[1:]
    out = ""
    for t, w in zip(toks, words):
        out += w + (t.whitespace_ if t is not toks[-1] else "")
    return out


def abbreviations(passages: Sequence[Passage]) -> dict[str, str]:
    """'deoxyribonucleic acid (DNA)' -> {'deoxyribonucleic acid': 'DNA'}, initials checked."""
    out: dict[str, str] = {}
    for p in passages:
        for m in _ABBR.finditer(p.text):
            words, abbr = m.group(1).split(), m.group(2)
            letters = abbr.lower()
            for n in range(1, len(words) + 1):  # fewest words whose letters spell the abbreviation
                long_words = words[-n:]
                if long_words[0][0].lower() == letters[0] and len(long_words) <= len(letters) \
                        and _spells(letters, " ".join(long_words).lower()):
                    if long_words[0].lower() in STOPWORDS:
                        break
                    out[" ".join(w.lower() for w in long_words)] = abbr
                    break
    return out


def _spells(letters: str, phrase: str) -> bool:
    """Letters appear in order, each word contributing at least its first letter."""
    words = phrase.split()
    if len(words) > len(letters):
        return False
    pos = 0
    for ch in letters:
        pos = phrase.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return all(w[0] in letters for w in words)


def extract_concepts_spacy(passages: Sequence[Passage], limit: int = 20, cancel: CancelToken = NEVER,
                           *, vectors: Mapping[int, object] | None = None) -> list[Concept]:
    from harvest_desktop.understand import nlp

    docs = []
    for start in range(0, len(passages), 256):
        cancel.check()
        docs.extend(nlp.parse([p.text for p in passages[start:start + 256]]))

    tf: Counter[str] = Counter()
    df: Counter[str] = Counter()
    first_pos: dict[str, int] = {}
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    names: Counter[str] = Counter()
    mentions: dict[str, set[tuple[int, str]]] = defaultdict(set)
    where: dict[str, set[int]] = defaultdict(set)
    defined: set[str] = set()
    for pi, (p, doc) in enumerate(zip(passages, docs)):
        if pi % 64 == 0:
            cancel.check()
        seen: set[str] = set()
        for chunk in doc.noun_chunks:
            toks, det = _trim(chunk)
            if not toks or toks[-1].pos_ not in ("NOUN", "PROPN"):
                continue
            if not any(t.is_alpha and len(t.text) >= 3 for t in toks) or toks[-1].lower_ in STOPWORDS:
                continue
            key = _key_of(toks)
            surf = _surface(toks)
            tf[key] += 1
            surface[key][surf] += 1
            if det:
                aliases[key].add(f"the {surf}")
            if toks[-1].pos_ in NAME_POS:
                names[key] += 1
            root = toks[-1]
            if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ == "be" and any(
                    c.dep_ == "attr" for c in root.head.children):
                defined.add(key)  # "X is a Y": the text defines it, however rarely it recurs
            first_pos.setdefault(key, pi)
            mentions[key].add((p.source_id, p.heading_path))
            where[key].add(pi)
            seen.add(key)
        for key in seen:
            df[key] += 1

    headings = " | ".join(sorted({p.heading_path.lower() for p in passages if p.heading_path}))
    abbr = abbreviations(passages)
    centrality = _centrality(passages, where, vectors) if vectors else {}
    n = max(1, len(passages))
    scored: list[tuple[float, str]] = []
    for key, freq in tf.items():
        if freq < 2 and n > 1 and key not in headings and key not in abbr and key not in defined:
            continue
        words = key.split()
        score = math.log1p(freq) * (1.0 + math.log1p(df[key]))
        score *= 1.0 + 0.35 * (len(words) - 1)
        score *= 1.0 + 0.5 * (1 - first_pos.get(key, n) / n)
        if re.search(rf"\b{re.escape(key)}", headings):
            score *= 1.5
        if key in abbr:
            score *= 1.3
        if key in defined:
            score *= 1.6
        if names[key] > freq / 2:
            score *= 1.1
        if words[-1] in GENERIC_NOUNS:
            score *= 0.3 if len(words) == 1 else 0.8
        if key in centrality:
            score *= 0.5 + centrality[key]
        scored.append((score, key))
    scored.sort(key=lambda x: (-x[0], x[1]))

    chosen: list[Concept] = []
    taken: list[str] = []
    for score, key in scored:
        cancel.check()
        words = key.split()
        if any(key == t or (len(words) == 1 and key in t.split()) for t in taken):
            continue
        if len(words) > 1 and any(len(t.split()) > 1 and (key in t or t in key) for t in taken):
            continue
        term = sorted(surface[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        forms = set(surface[key]) | aliases[key]
        if key in abbr:
            forms.add(abbr[key])
        definition, cite = find_definition(term, passages)
        if definition is None:
            for alt in sorted(forms - {term}):
                if not alt.startswith("the "):
                    definition, cite = find_definition(alt, passages)
                    if definition:
                        break
        bonus = 1.6 if definition and key not in defined else 1.0
        chosen.append(Concept(term=term, score=round(score * bonus, 4), definition=definition, citation=cite,
                              aliases=sorted(forms - {term}, key=lambda a: (len(a), a)),
                              mentions=sorted(mentions[key]),
                              kind="name" if names[key] > tf[key] / 2 else "term"))
        taken.append(key)
        if len(chosen) >= limit * 3:
            break
    chosen.sort(key=lambda c: (-c.score, c.term))
    return chosen[:limit]


def _centrality(passages: Sequence[Passage], where: Mapping[str, set[int]],
                vectors: Mapping[int, object]) -> dict[str, float]:
    """Cosine between the mean vector of the passages that mention a term and the corpus mean."""
    import numpy as np

    rows = [vectors.get(p.chunk_id) for p in passages]
    if not any(r is not None for r in rows):
        return {}
    dim = len(next(r for r in rows if r is not None))
    mat = np.vstack([np.asarray(r, dtype=np.float32) if r is not None else np.zeros(dim, np.float32)
                     for r in rows])
    centroid = mat.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    out: dict[str, float] = {}
    for key, idx in where.items():
        v = mat[sorted(idx)].mean(axis=0)
        norm = np.linalg.norm(v)
        if norm:
            out[key] = float(max(0.0, (v / norm) @ centroid))
    return out
