"""Quiz bank, built offline: multiple choice, true/false, cloze and matching questions about the
material's key concepts, each with its answer, an explanation and the passage it tests (quoted,
with its page). Questions come only from prose sentences and glossary entries: never from
headings, captions, labels or reference lists (the analysis never keeps those as sentences).

Distractors are other key concepts of the same kind (a name for a name, a term for a term), from
the same chapter first, sharing no word with the answer and absent from the question."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.formats.builtin import run_builtin, title_for
from harvest_desktop.formats.material import Material, MConcept, Placed, blank, centrality, leaks
from harvest_desktop.formats.registry import FormatResult
from harvest_desktop.formats.schema import EXPLAINED, GLOSSARY, MatchPair, Quiz, QuizQuestion
from harvest_desktop.understand.analysis import IS_A, PROSE
from harvest_desktop.understand.passages import Passage

DEFAULT_COUNT = 20
DEFAULT_TYPES = ("mcq", "tf", "cloze", "matching")
ALL_TYPES = ("mcq", "tf", "cloze", "matching", "short")
MATCH_SIZE = 4
BLANK = "_____"


def build_quiz(passages: Sequence[Passage], *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
               **options: Any) -> FormatResult:
    return run_builtin(passages, generate, render_markdown, cancel=cancel, progress=progress, **options)


def parse_types(types: Any) -> tuple[str, ...]:
    if not types:
        return DEFAULT_TYPES
    if isinstance(types, str):
        types = types.split(",")
    out = []
    for t in types:
        t = t.strip().lower().replace("-", "").replace("_", "")
        t = {"multiplechoice": "mcq", "truefalse": "tf", "fillin": "cloze", "blank": "cloze",
             "match": "matching"}.get(t, t)
        if t not in ALL_TYPES:
            raise KnownError(f"unknown question type '{t}'", hint="use any of: " + ",".join(ALL_TYPES))
        if t not in out:
            out.append(t)
    return tuple(out)


def _qid(*parts: str) -> str:
    return "q" + hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=6).hexdigest()


def _interleave_by_chapter(concepts: Sequence[MConcept]) -> list[MConcept]:
    """The marked and defined concepts first, then the rest; within each, the best of each chapter
    in turn, so a bank covers every chapter."""
    out: list[MConcept] = []
    for wanted in (lambda c: tier(c) < 2, lambda c: tier(c) == 2):
        groups: "OrderedDict[str, list[MConcept]]" = OrderedDict()
        for c in concepts:
            if wanted(c):
                groups.setdefault(c.chapter, []).append(c)
        queues = [sorted(v, key=lambda c: (tier(c), -c.score)) for v in groups.values()]
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.pop(0))
    return out


def tier(c: MConcept) -> int:
    from harvest_desktop.formats.study_guide import tier as guide_tier

    return guide_tier(c)


def _strong(c: MConcept) -> bool:
    return bool({"glossary", "key-terms", "defined", "emphasis", "index"} & set(c.signals))


class _Maker:
    def __init__(self, material: Material) -> None:
        self.m = material
        self.concepts = [c for c in material.concepts if len(c.term) >= 3]
        self.parents: dict[str, set[str]] = {}
        for r in material.relations:
            if r.label == IS_A:
                self.parents.setdefault(r.source, set()).add(r.target)
        self.used_quotes: set[tuple[str, str]] = set()
        self.cent = centrality(material)

    # -- distractors ------------------------------------------------------------------------------
    def distractors(self, answer: MConcept, avoid_text: str, n: int = 3) -> list[str]:
        words = {w for f in answer.forms() for w in f.casefold().split() if len(w) >= 3}
        low = avoid_text.casefold()
        siblings = set()
        for parent in self.parents.get(answer.term, ()):
            siblings |= {t for t, ps in self.parents.items() if parent in ps}
        scored = []
        for rank, c in enumerate(self.concepts):
            if c.key == answer.key or c.kind != answer.kind:
                continue
            cw = {w for w in c.term.casefold().split()}
            if cw & words or any(w in c.term.casefold() for w in words if len(w) >= 5):
                continue
            if c.term.casefold() in low:
                continue
            same_chapter = c.chapter == answer.chapter
            strong = _strong(c)
            if _strong(answer) and not strong:
                continue  # a term the book marks as key is answered against other marked terms only
            score = (0 if c.term in siblings else 1, 0 if same_chapter else 1,
                     0 if (c.definition is not None) == (answer.definition is not None) else 1,
                     abs(len(c.term.split()) - len(answer.term.split())), rank)
            scored.append((score, c.term))
        scored.sort()
        out: list[str] = []
        for _s, t in scored:
            if t.casefold() not in {o.casefold() for o in out}:
                out.append(t)
            if len(out) >= n:
                break
        return out

    # -- one question of each kind ----------------------------------------------------------------
    def _definition(self, c: MConcept) -> tuple[str, Placed] | None:
        if c.definition is None or c.definition_kind == EXPLAINED:
            return None
        return (c.definition_text or c.definition.text), c.definition

    def mcq(self, c: MConcept) -> QuizQuestion | None:
        d = self._definition(c)
        if d is None:
            return None
        text, where = d
        if c.definition_kind == GLOSSARY:
            shown = blank(text, c.forms()) or text
            prompt = f"Which term is defined as “{shown}”?"
        else:
            shown = blank(text, c.forms())
            if shown is None:
                return None
            prompt = f"Which term completes the statement? “{shown}”"
        if leaks(prompt, c.term):
            return None
        options = self.distractors(c, text)
        if len(options) < 2:
            return None
        options = sorted({c.term, *options}, key=lambda o: hashlib.md5((o + c.term).encode()).hexdigest())
        return QuizQuestion(id=_qid("mcq", c.key, where.text), type="mcq", prompt=prompt, options=options,
                            answer=c.term, explanation=f"The text defines {c.term}: “{text}”",
                            citation=where.citation(), concept=c.term, chapter=c.chapter)

    def cloze(self, c: MConcept) -> QuizQuestion | None:
        d = self._definition(c)
        if d is None or c.definition_kind == GLOSSARY:
            pool = [m for m in c.mentions if m.kind == PROSE and 8 <= len(m.text.split()) <= 40]
            if not pool:
                return None
            where = max(pool, key=lambda m: (self.cent.get(m.order, 0), -m.order))
            text = where.text
        else:
            text, where = d
        if ("cloze", where.text) in self.used_quotes:
            return None
        shown = blank(text, c.forms(), BLANK)
        if shown is None or leaks(shown, c.term) or shown.count(BLANK) > 2:
            return None
        self.used_quotes.add(("cloze", where.text))
        return QuizQuestion(id=_qid("cloze", c.key, text), type="cloze", prompt=f"Fill in the blank: “{shown}”",
                            answer=c.term, explanation=f"The text says: “{text}”", citation=where.citation(),
                            concept=c.term, chapter=c.chapter)

    def tf(self, c: MConcept, make_false: bool) -> QuizQuestion | None:
        pool = [m for m in ([c.definition] if c.definition is not None and c.definition_kind != GLOSSARY else [])
                + c.mentions if m is not None and m.kind == PROSE and 8 <= len(m.text.split()) <= 40]
        for where in pool:
            if ("tf", where.text) in self.used_quotes:
                continue
            statement = where.text
            if make_false:
                form = next((f for f in c.forms() if re.search(rf"\b{re.escape(f)}\b", statement, re.I)), None)
                if form is None:
                    continue
                others = self.distractors(c, statement, n=1)
                if not others:
                    continue
                swapped = re.sub(rf"\b{re.escape(form)}\b", others[0], statement, count=1, flags=re.I)
                if swapped[:1].islower():
                    swapped = swapped[:1].upper() + swapped[1:]
                statement = swapped
                explanation = f"False: the text says “{where.text}”"
            else:
                explanation = f"True: the text says so."
            self.used_quotes.add(("tf", where.text))
            return QuizQuestion(id=_qid("tf", c.key, statement), type="tf", prompt=f"True or false: {statement}",
                                options=["True", "False"], answer="False" if make_false else "True",
                                explanation=explanation, citation=where.citation(), concept=c.term,
                                chapter=c.chapter)
        return None

    def short(self, c: MConcept) -> QuizQuestion | None:
        d = self._definition(c)
        if d is None:
            return None
        text, where = d
        return QuizQuestion(id=_qid("short", c.key), type="short", prompt=f"In your own words: what is {c.term}?",
                            answer=text, explanation="The text's definition.", citation=where.citation(),
                            concept=c.term, chapter=c.chapter)

    def matching(self, group: Sequence[MConcept]) -> QuizQuestion | None:
        pairs = []
        for c in group:
            d = self._definition(c)
            if d is None:
                continue
            text, where = d
            shown = blank(text, c.forms(), "…") or text
            if leaks(shown, c.term):
                continue
            pairs.append(MatchPair(c.term, shown, where.citation()))
        if len(pairs) < 3:
            return None
        rights = sorted((p.right for p in pairs), key=lambda r: hashlib.md5(r.encode()).hexdigest())
        first = group[0]
        return QuizQuestion(id=_qid("matching", *[p.left for p in pairs]), type="matching",
                            prompt="Match each term to its definition.", options=rights,
                            answer="; ".join(f"{p.left} → {p.right}" for p in pairs),
                            explanation="Each definition is quoted from the text.", citation=pairs[0].citation,
                            concept=", ".join(p.left for p in pairs), chapter=first.chapter, pairs=pairs)


def generate(material: Material, options: dict[str, Any]) -> Quiz:
    cancel: CancelToken = options.get("cancel", NEVER)
    count = int(options.get("count") or DEFAULT_COUNT)
    types = parse_types(options.get("types"))
    maker = _Maker(material)
    order = _interleave_by_chapter(maker.concepts)
    made: dict[str, list[QuizQuestion]] = {t: [] for t in types}
    quota = {t: count // len(types) + (1 if i < count % len(types) else 0) for i, t in enumerate(types)}
    used: dict[str, set[str]] = {t: set() for t in types}
    flip = False
    # matching groups: concepts with definitions, by chapter
    if "matching" in types:
        by_chapter: "OrderedDict[str, list[MConcept]]" = OrderedDict()
        for c in order:
            if maker._definition(c) is not None:
                by_chapter.setdefault(c.chapter, []).append(c)
        groups = [g[i:i + MATCH_SIZE] for g in by_chapter.values() for i in range(0, len(g) - 2, MATCH_SIZE)]
        for g in groups:
            if len(made["matching"]) >= quota["matching"] * 3:
                break
            q = maker.matching(g)
            if q is not None:
                made["matching"].append(q)
    for rounds in range(3):  # later rounds reuse concepts with other sentences
        for i, c in enumerate(order):
            if i % 100 == 0:
                cancel.check()
            for t in types:
                if t == "matching" or len(made[t]) >= quota[t] * 2 or (c.key in used[t] and rounds == 0):
                    continue
                if rounds and t in ("mcq", "short"):
                    continue
                if t == "mcq":
                    q = maker.mcq(c)
                elif t == "cloze":
                    q = maker.cloze(c)
                elif t == "tf":
                    q = maker.tf(c, flip)
                    flip = not flip if q is not None else flip
                else:
                    q = maker.short(c)
                if q is not None:
                    made[t].append(q)
                    used[t].add(c.key)
    # fill to the count: each type's quota first, then whatever is left over
    out: list[QuizQuestion] = []
    for t in types:
        out += made[t][:quota[t]]
    spare = [q for t in types for q in made[t][quota[t]:]]
    out += spare[: max(0, count - len(out)) + max(3, count // 4)]  # spares replace items the validator drops
    seen: set[str] = set()
    unique = []
    for q in out:
        if q.id not in seen:
            seen.add(q.id)
            unique.append(q)
    return Quiz(title=title_for("Quiz", material), questions=unique)


def render_markdown(quiz: Quiz) -> str:
    lines = [f"# {quiz.title}", ""]
    letters = "ABCDEFGH"
    for n, q in enumerate(quiz.questions, 1):
        lines.append(f"{n}. {q.prompt}")
        if q.type == "matching":
            for k, p in enumerate(q.pairs):
                lines.append(f"    {k + 1}. {p.left}")
            for letter, r in zip(letters, q.options):
                lines.append(f"    {letter}. {r}")
        elif q.type in ("mcq",):
            for letter, opt in zip(letters, q.options):
                lines.append(f"    {letter}. {opt}")
        lines.append("")
    lines += ["## Answer key", ""]
    for n, q in enumerate(quiz.questions, 1):
        cite = q.citation.label() if q.citation else ""
        if q.type == "mcq":
            ans = f"{letters[q.options.index(q.answer)]}. {q.answer}"
        elif q.type == "matching":
            ans = "; ".join(f"{p.left} → {letters[q.options.index(p.right)]}" for p in q.pairs)
        else:
            ans = q.answer
        lines.append(f"{n}. {ans}. {q.explanation} {cite}".rstrip())
        if q.citation and q.citation.quote and q.type != "matching":
            lines.append(f"    > {q.citation.quote}")
    lines.append("")
    if quiz.sources:
        lines += ["## Sources", ""] + [f"- {s.title}" for s in quiz.sources] + [""]
    return "\n".join(lines)
