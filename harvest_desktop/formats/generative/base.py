"""What every model-made format shares: numbered passages, prompts, map-reduce, parsing, grounding.

A format module (study_guide.py, quiz.py, ... in this package) says what its JSON looks like and how
that JSON becomes its content object; this module plans the calls (one per part of the material
that fits the model's context, then a reduce step where the format needs one), parses and repairs
the answers, resolves passage numbers into citations and runs the grounding validator with a
regenerate-once callback. The model itself is reached through `ask`, a callable the services layer
gives (formats never import the AI gateway: they are siblings).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.understand.passages import Passage, split_sentences

CONTEXT_CHARS = 12_000  # passage text per call; longer material is mapped part by part, never cut
THRESHOLD = 0.35  # model-written claims paraphrase: lower than the extractive engine's 0.6

LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
             "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "ja": "Japanese",
             "zh": "Chinese", "ko": "Korean"}


@dataclass
class GenOptions:
    count: int | None = None
    difficulty: str = "medium"  # easy | medium | hard
    types: tuple[str, ...] = ()
    length: str = "medium"  # short | medium | long
    tone: str = "friendly"
    reading_level: str = "general"
    runtime_s: float = 180.0
    topic: str = ""
    question: str = ""  # the cited answer's question
    language: str = "en"
    depth: str = "normal"
    context_chars: int | None = None  # None: CONTEXT_CHARS
    chapters: tuple[str, ...] = ()  # only these chapters, by number (1-based) or title

    @property
    def context(self) -> int:
        return self.context_chars or CONTEXT_CHARS

    @property
    def language_name(self) -> str:
        return LANGUAGES.get(self.language.split("-")[0].lower(), self.language)


@dataclass
class Call:
    """One request to the model: what a GenRequest is made of, without the gateway's types."""

    name: str  # "part 2 of 5", "reduce", "repair", "regenerate"
    messages: list[dict[str, str]]
    max_tokens: int
    schema: dict[str, Any] | None
    query: str
    fresh: bool = False


Ask = Callable[[Call], str]  # sends one call, returns the model's whole text (streams through on_text)


# -- prompts --------------------------------------------------------------------------------------

def prompt_dirs() -> list:
    """Where templates are read from: the data folder's prompts/ first (the person's copy), then ours."""
    from harvest_desktop.core import paths

    return [paths.data_dir() / "prompts", paths.resources_dir() / "prompts"]


def render(name: str, **ctx: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader([str(p) for p in prompt_dirs()]), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(name).render(**ctx).strip()


_FENCE = re.compile(r"<<<|>>>")


def passage_block(numbered: Sequence[tuple[int, Passage]]) -> str:
    """Numbered passages between markers a source cannot close: its own marker text is defused."""
    lines = []
    for n, p in numbered:
        text = _FENCE.sub("‹‹", " ".join(p.text.split()))  # whole: a passage is never cut
        where = _FENCE.sub("‹‹", p.cite())
        lines.append(f"<<<PASSAGE {n} {where}>>>\n{text}\n<<<END PASSAGE {n}>>>")
    return "\n".join(lines)


# -- parsing --------------------------------------------------------------------------------------

def parse_json(text: str) -> dict | None:
    """The JSON object in a model's answer: code fences, chatter around it and trailing commas forgiven."""
    text = (text or "").strip()
    if text.startswith("```"):
        text = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", text)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    body = text[start:end + 1]
    for attempt in (body, re.sub(r",\s*([}\]])", r"\1", body)):
        try:
            data = json.loads(attempt)
        except ValueError:
            continue
        return data if isinstance(data, dict) else None
    return None


def nums(value: Any) -> list[int]:
    """Passage numbers from a model's "passages" value (list, number or "[1, 2]" text)."""
    if value is None:
        return []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [int(value)]
    if isinstance(value, str):
        return [int(x) for x in re.findall(r"\d+", value)]
    if isinstance(value, list):
        out: list[int] = []
        for v in value:
            out += nums(v)
        return out
    return []


def text_of(value: Any) -> str:
    return " ".join(str(value or "").split())


# -- the numbered material ------------------------------------------------------------------------

@dataclass
class Material:
    """Every chosen passage, numbered once from 1 in reading order, and its parts for the map step."""

    numbered: list[tuple[int, Passage]]
    parts: list[list[tuple[int, Passage]]]

    @property
    def by_number(self) -> dict[int, Passage]:
        return dict(self.numbered)

    @property
    def by_chunk(self) -> dict[int, Passage]:
        return {p.chunk_id: p for _n, p in self.numbered}


def chapter_of(p: Passage) -> tuple[int, str]:
    return p.source_id, (p.heading_path.split(" > ")[0] if p.heading_path else "")


def material(passages: Sequence[Passage], context_chars: int | None = None) -> Material:
    """Number the passages and cut them into parts that fit one call: whole chapters where they fit,
    a long chapter in consecutive pieces; nothing is left out."""
    if not passages:
        raise KnownError("there is no harvested text to write from", hint="add sources and wait until they are ready")
    context_chars = context_chars or CONTEXT_CHARS
    numbered = list(enumerate(passages, 1))
    chapters: list[list[tuple[int, Passage]]] = []
    for n, p in numbered:
        if chapters and chapter_of(chapters[-1][-1][1]) == chapter_of(p):
            chapters[-1].append((n, p))
        else:
            chapters.append([(n, p)])
    size = lambda group: sum(len(p.text) + 60 for _n, p in group)  # noqa: E731
    parts: list[list[tuple[int, Passage]]] = []
    for ch in chapters:
        pieces: list[list[tuple[int, Passage]]] = [[]]
        for item in ch:
            if pieces[-1] and size(pieces[-1] + [item]) > context_chars:
                pieces.append([])
            pieces[-1].append(item)
        for piece in pieces:
            if parts and size(parts[-1] + piece) <= context_chars:
                parts[-1] += piece  # small chapters share a call
            else:
                parts.append(piece)
    return Material(numbered, parts)


def only_chapters(passages: Sequence[Passage], chapters: Sequence[str]) -> list[Passage]:
    """The passages of the chapters asked for (by number in reading order, or by title)."""
    if not chapters:
        return list(passages)
    order = list(dict.fromkeys(chapter_of(p) for p in passages))
    wanted: set = set()
    for c in chapters:
        c = str(c).strip()
        hits = [order[int(c) - 1]] if c.isdigit() and 0 < int(c) <= len(order) else \
            [k for k in order if k[1] and c.casefold() in k[1].casefold()]
        if not hits:
            raise KnownError(f"no chapter '{c}' in the chosen sources",
                             hint="name a chapter by its number or a word of its title")
        wanted.update(hits)
    return [p for p in passages if chapter_of(p) in wanted]


def citation(n: int, mat: Material, claim: str = ""):
    """The citation for passage number n: source, section, page and the sentence closest to the claim.
    A number that was not given becomes a citation to no passage, which the validator refuses."""
    from harvest_desktop.formats.grounding import similarity
    from harvest_desktop.formats.schema import Citation

    p = mat.by_number.get(n)
    if p is None:
        return Citation(passage=None, title=f"passage [{n}], which was not given")
    sents = split_sentences(" ".join(p.text.split())) or [p.text]
    quote = max(sents, key=lambda s: similarity(claim, s)) if claim else sents[0]
    return Citation(passage=p.chunk_id, source_id=p.source_id, title=p.source_name, page=p.page,
                    section=p.heading_path, quote=quote[:300])


def claim(data: Any, mat: Material):
    from harvest_desktop.formats.schema import Claim

    if isinstance(data, str):
        data = {"text": data}
    if not isinstance(data, dict):
        return None
    body = text_of(data.get("text"))
    marks = re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", body)
    body = re.sub(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]", "", body).strip()
    if not body:
        return None
    found = nums(data.get("passages")) + nums(marks)
    return Claim(text=body, citations=[citation(n, mat, body) for n in dict.fromkeys(found)])


def sources_list(content_citations: Sequence[Any], mat: Material, meta: Mapping[int, Mapping[str, Any]]):
    """Attribution for every source the output cites (all given sources when none resolved)."""
    from harvest_desktop.formats.schema import SourceRef

    used = sorted({c.source_id for c in content_citations if c is not None and c.source_id is not None}) or \
        sorted({p.source_id for _n, p in mat.numbered})
    names = {p.source_id: p.source_name for _n, p in mat.numbered}
    out = []
    for sid in used:
        m = dict(meta.get(sid) or {})
        out.append(SourceRef(source_id=sid, title=m.get("title") or names.get(sid, ""), author=m.get("author"),
                             site=m.get("site"), date=m.get("date"), url=m.get("url"), file=m.get("file"),
                             license=m.get("license")))
    return out


def attribution_lines(sources) -> list[str]:
    lines = ["## Sources", ""]
    for s in sources:
        bits = [s.title or f"source {s.source_id}"] + [f"by {s.author}" if s.author else ""] + \
            [v for v in (s.site, s.date) if v] + [f"licence: {s.license}" if s.license else ""]
        loc = s.url or s.file
        lines.append("- " + ", ".join(b for b in bits if b) + (f" <{loc}>" if loc else ""))
    return lines


def cite_marks(citations) -> str:
    labels = list(dict.fromkeys(c.label() for c in citations if c is not None and c.passage is not None))
    return (" " + " ".join(labels)) if labels else ""


# -- the run --------------------------------------------------------------------------------------

class Format:
    """A model-made format; modules subclass it and fill in the parts that differ."""

    key = ""
    label = ""
    template = ""  # resources/prompts/<template>
    max_tokens = 1500
    merge = True  # True: parts' items are joined; False: a reduce call writes the whole from notes
    schema: dict[str, Any] = {}
    item_schema: dict[str, Any] = {}

    def __init__(self, opts: GenOptions) -> None:
        self.opts = opts

    # -- what a module gives --------------------------------------------------------------------
    def instructions(self, share: float = 1.0) -> str:
        """What to write, for one call that covers `share` of the material."""
        raise NotImplementedError

    def content(self, datas: list[dict], mat: Material, meta: Mapping[int, Mapping[str, Any]]):
        """The content object from the parsed answer(s)."""
        raise NotImplementedError

    def citations_of(self, content) -> list:
        raise NotImplementedError

    def markdown(self, content) -> str:
        raise NotImplementedError

    def item_json(self, item) -> dict:
        """An item as the model wrote it (for a regenerate call); claims here, modules add their items."""
        from harvest_desktop.formats.schema import Claim

        if isinstance(item, Claim):
            return {"text": item.text}
        raise NotImplementedError

    def item_from(self, data: dict, mat: Material, old):
        """The regenerated item from the model's JSON, or None."""
        from harvest_desktop.formats.schema import Claim

        if isinstance(old, Claim):
            return claim(data, mat)
        return None

    def title(self, content) -> str:
        return getattr(content, "title", "") or self.label

    # -- one item written again ------------------------------------------------------------------
    item_attr = ""  # the content's list of items (questions, cards, points, scenes, items, parts, ...)
    item_word = "Item"

    def units(self, content) -> list["Unit"]:
        """What a person can have written again one by one, in reading order."""
        items = getattr(content, self.item_attr, None) if self.item_attr else None
        if items is None:
            return []
        return [Unit(self._unit_label(i, it), it, _setter(items, i)) for i, it in enumerate(items)]

    def _unit_label(self, i: int, item) -> str:
        heading = text_of(getattr(item, "heading", "") or getattr(item, "question", ""))
        return f"{self.item_word} {i + 1}" + (f": {heading[:60]}" if heading else "")

    def unit_schema(self, item) -> dict[str, Any] | None:
        return self.item_schema or None

    def unit_check(self, item, mat: Material) -> bool:
        """Whether a rewritten composite item still holds something grounded (its failing claims dropped)."""
        return True

    def rewrite(self, ask: Ask, mat: Material, unit: "Unit", cancel: CancelToken = NEVER):
        """A new version of one composite item (FAQ entry, guide part, blog section), asked for by the
        person: written from the passages of the chapter(s) it cites, parsed, checked; None if nothing
        of it rests on the sources."""
        cancel.check()
        data = self.ask_json(ask, self.rewrite_call(mat, unit))
        new = self.item_from(data, mat, unit.item)
        if new is None or not self.unit_check(new, mat):
            return None
        return new

    def rewrite_call(self, mat: Material, unit: "Unit") -> Call:
        """The call that writes a composite item again (also what its estimate counts)."""
        old = self.item_json(unit.item)
        cited = {c.passage for c in all_citations(unit.item) if c is not None and c.passage is not None}
        chapters = {chapter_of(p) for _n, p in mat.numbered if p.chunk_id in cited}
        given = [(n, p) for n, p in mat.numbered if chapter_of(p) in chapters]
        if not given:
            from harvest_desktop.formats.grounding import similarity

            words = json.dumps(old, ensure_ascii=False)
            given = sorted(mat.numbered, key=lambda np: -similarity(words, np[1].text))[:6]
            given.sort()
        size, kept = 0, []
        for n, p in given:  # the chapter's passages, as many as one call carries
            size += len(p.text) + 60
            if kept and size > self.opts.context:
                break
            kept.append((n, p))
        user = render("rewrite.j2", what=re.sub(r"\s+\d+$", "", unit.label.split(":")[0]).lower(),
                      format=self.label.lower(),
                      item=json.dumps(old, ensure_ascii=False), passages=passage_block(kept), opts=self.opts)
        return Call(f"rewrite {unit.label.split(':')[0].lower()}", [{"role": "system", "content": self.system()},
                                                                    {"role": "user", "content": user}],
                    min(self.output_tokens(1.0), 1500), self.unit_schema(unit.item),
                    self.query("rewrite " + json.dumps(old)[:200]), fresh=True)

    def output_tokens(self, share: float = 1.0) -> int:
        return self.max_tokens

    # -- prompts --------------------------------------------------------------------------------
    def system(self) -> str:
        return render("system.j2", language=self.opts.language_name, format=self.label)

    def query(self, what: str) -> str:
        o = self.opts
        return (f"{self.key} {what}; count {o.count}; difficulty {o.difficulty}; types {','.join(o.types)}; "
                f"length {o.length}; tone {o.tone}; level {o.reading_level}; runtime {o.runtime_s:g}; "
                f"topic {o.topic}; question {o.question}; language {o.language}")

    def part_call(self, i: int, part: list[tuple[int, Passage]], n_parts: int, total_chars: int) -> Call:
        share = sum(len(p.text) for _n, p in part) / max(1, total_chars)
        notes = not self.merge and n_parts > 1
        user = render(self.template if not notes else "notes.j2",
                      instructions=self.instructions(share) if not notes else "",
                      passages=passage_block(part), part=i + 1, parts=n_parts, opts=self.opts,
                      numbers=[n for n, _p in part])
        return Call(f"part {i + 1} of {n_parts}", [{"role": "system", "content": self.system()},
                                                   {"role": "user", "content": user}],
                    self.output_tokens(share) if not notes else 900,
                    self.schema if not notes else NOTES_SCHEMA, self.query(f"part {i + 1}/{n_parts}"))

    def reduce_call(self, notes: list[dict], mat: Material) -> Call:
        lines = []
        for d in notes:
            for pt in d.get("points") or []:
                if isinstance(pt, dict) and text_of(pt.get("text")):
                    refs = ", ".join(str(n) for n in nums(pt.get("passages")) if n in mat.by_number)
                    lines.append(f"- {text_of(pt.get('text'))} [{refs}]")
        user = render(self.template, instructions=self.instructions(1.0), opts=self.opts, part=1, parts=1,
                      numbers=sorted(mat.by_number),
                      passages="Notes taken from the numbered passages (each ends with the passages it rests "
                               "on; cite those numbers):\n" + _FENCE.sub("‹‹", "\n".join(lines)))
        return Call("reduce", [{"role": "system", "content": self.system()}, {"role": "user", "content": user}],
                    self.output_tokens(1.0), self.schema, self.query("reduce " + str(len(lines))))

    default_count = 10  # items asked for when the person sets no count

    def rewrite_items(self, mat: Material) -> int:
        """The most items the grounding check may send back to be written again (one call each):
        every item asked for (the model may write more; a count set by the person caps them)."""
        total = sum(len(p.text) for _n, p in mat.numbered) or 1
        n = self.opts.count or self.default_count
        asked = sum(max(1, round(n * sum(len(p.text) for _n, p in part) / total)) for part in mat.parts)
        return min(asked, self.opts.count) if self.opts.count else asked

    def upper_bound_calls(self, mat: Material, calls: list[Call]) -> tuple[list[Call], int, int]:
        """The calls a run may add to `calls` at most: one repair per call (its malformed answer sent
        back with the repair request) and one rewrite per item; (extra calls, repairs, rewrites)."""
        extra = []
        for c in calls:
            answer = "word " * min(c.max_tokens, 800)  # a repair sends back at most 4,000 characters
            extra.append(Call(c.name + " (repair)", c.messages + [{"role": "assistant", "content": answer},
                                                                  {"role": "user", "content": render("repair.j2")}],
                              c.max_tokens, c.schema, c.query))
        n = self.rewrite_items(mat)
        if n:
            longest = sorted(mat.numbered, key=lambda np: -len(np[1].text))[:3]
            user = render("regenerate.j2", item="x " * 150, problem="grounding 0.10 under 0.35",
                          passages=passage_block(sorted(longest)), opts=self.opts)
            rewrite = Call("rewrite", [{"role": "system", "content": self.system()}, {"role": "user", "content": user}],
                           600, self.item_schema or None, "rewrite")
            extra += [rewrite] * n
        return extra, len(calls), n

    def calls_for_estimate(self, mat: Material) -> list[Call]:
        """Every call a run makes (the reduce step's notes at their largest): the pre-flight estimate."""
        total = sum(len(p.text) for _n, p in mat.numbered)
        calls = [self.part_call(i, part, len(mat.parts), total) for i, part in enumerate(mat.parts)]
        if not self.merge and len(mat.parts) > 1:
            notes_words = sum(c.max_tokens for c in calls) * 3 // 4
            filler = [{"points": [{"text": "note " * notes_words, "passages": [1]}]}]
            calls.append(self.reduce_call(filler, mat))
        return calls

    # -- the run --------------------------------------------------------------------------------
    def ask_json(self, ask: Ask, call: Call) -> dict:
        """The call's parsed JSON: malformed → one repair request → reported."""
        text = ask(call)
        data = parse_json(text)
        if data is not None:
            return data
        repair = Call(call.name + " (repair)", call.messages + [
            {"role": "assistant", "content": (text or "")[:4000]},
            {"role": "user", "content": render("repair.j2")}], call.max_tokens, call.schema, call.query + " repair")
        data = parse_json(ask(repair))
        if data is None:
            raise KnownError(f"the model's answer for the {self.label.lower()} ({call.name}) was not valid JSON, "
                             "even after one repair request", hint="try again, or choose a larger model")
        return data

    def run(self, passages: Sequence[Passage], meta: Mapping[int, Mapping[str, Any]], ask: Ask, *,
            cancel: CancelToken = NEVER, progress: ProgressFn = no_progress):
        """(content, markdown, grounding report) made through `ask`, validated and cited."""
        from harvest_desktop.formats.grounding import validate

        mat = material(passages, self.opts.context)
        total = sum(len(p.text) for _n, p in mat.numbered)
        datas: list[dict] = []
        n = len(mat.parts)
        for i, part in enumerate(mat.parts):
            cancel.check()
            progress(Progress(i, n + (0 if self.merge or n == 1 else 1), f"{self.label}: part {i + 1} of {n}"))
            datas.append(self.ask_json(ask, self.part_call(i, part, n, total)))
        if not self.merge and n > 1:
            cancel.check()
            progress(Progress(n, n + 1, f"{self.label}: writing the whole from {n} parts"))
            datas = [self.ask_json(ask, self.reduce_call(datas, mat))]
        content = self.content(datas, mat, meta)
        validate(content, mat.by_chunk, threshold=THRESHOLD, regenerate=self._regenerator(ask, mat, cancel))
        content.sources = sources_list(self.citations_of(content), mat, meta)
        self.check_not_empty(content)
        return content

    def check_not_empty(self, content) -> None:
        if not self.citations_of(content):
            raise KnownError(f"the model's {self.label.lower()} held no item grounded in the sources",
                             hint="try again with --fresh, or choose a larger model")

    def _regenerator(self, ask: Ask, mat: Material, cancel: CancelToken):
        from harvest_desktop.formats.grounding import Validator

        def regenerate(item, problem: str):
            cancel.check()
            call = self.regenerate_call(mat, item, problem)
            if call is None:
                return None
            try:
                data = parse_json(ask(call))
            except KnownError:
                data = None
            new = self.item_from(data, mat, item) if data else None
            soft = problem.startswith("grounding")
            if new is None:
                return item if soft else None  # kept and flagged: the person sees it was not confirmed
            v = _verdict(Validator(mat.by_chunk, THRESHOLD), new)
            if not v.ok and not soft:
                return None  # it cited nothing given, or broke its own form: only a passing rewrite stays
            if not v.ok and not v.problem.startswith("grounding"):
                return item
            return new

        return regenerate

    def regenerate_call(self, mat: Material, item, problem: str) -> Call | None:
        """The call that writes one item again, from the passages it cites (None: the item has no JSON form)."""
        try:
            old = self.item_json(item)
        except NotImplementedError:
            return None
        cited = [c for c in _item_citations(item) if c is not None and c.passage is not None]
        given = [(n, p) for n, p in mat.numbered if any(p.chunk_id == c.passage for c in cited)]
        if not given:  # cited nothing that was given: offer the passages closest to the item
            from harvest_desktop.formats.grounding import similarity

            words = json.dumps(old, ensure_ascii=False)
            given = sorted(mat.numbered, key=lambda np: -similarity(words, np[1].text))[:3]
        if problem.startswith("the person asked"):
            user = render("rewrite.j2", what="item", format=self.label.lower(),
                          item=json.dumps(old, ensure_ascii=False), passages=passage_block(given), opts=self.opts)
        else:
            user = render("regenerate.j2", item=json.dumps(old, ensure_ascii=False), problem=problem,
                          passages=passage_block(given), opts=self.opts)
        return Call("regenerate", [{"role": "system", "content": self.system()},
                                   {"role": "user", "content": user}], 600, self.item_schema or None,
                    self.query("regenerate " + json.dumps(old)[:200]))


@dataclass
class Unit:
    label: str  # "Question 3", "Part 2: Ants", "Hook"
    item: Any
    put: Callable[[Any], None]  # replaces the item in its content object


def _setter(items: list, i: int) -> Callable[[Any], None]:
    def put(new) -> None:
        items[i] = new

    return put


def all_citations(item) -> list:
    """Every citation inside an item, however deep (claims of a FAQ entry, a guide part, a section)."""
    from dataclasses import fields as dc_fields, is_dataclass

    from harvest_desktop.formats.schema import Citation

    out: list = []
    if isinstance(item, Citation):
        return [item]
    if isinstance(item, list):
        for x in item:
            out += all_citations(x)
    elif is_dataclass(item):
        for f in dc_fields(item):
            v = getattr(item, f.name)
            if isinstance(v, (list, Citation)) or is_dataclass(v):
                out += all_citations(v)
    return out


def _item_citations(item) -> list:
    cits = getattr(item, "citations", None)
    if cits is not None:
        return list(cits)
    one = getattr(item, "citation", None)
    return [one] if one is not None else []


def _verdict(v, item):
    from harvest_desktop.formats.schema import Claim, Flashcard, QuizQuestion, Scene

    if isinstance(item, QuizQuestion):
        return v.question(item)
    if isinstance(item, Flashcard):
        return v.card(item)
    if isinstance(item, Scene):
        return v.claim(item.narration, item.citations)
    if isinstance(item, Claim):
        return v.claim(item.text, item.citations)
    return v.claim(getattr(item, "text", ""), _item_citations(item))


CLAIM_SCHEMA = {"type": "object", "properties": {"text": {"type": "string"},
                                                 "passages": {"type": "array", "items": {"type": "integer"}}},
                "required": ["text", "passages"]}
NOTES_SCHEMA = {"type": "object", "properties": {"points": {"type": "array", "items": CLAIM_SCHEMA}},
                "required": ["points"]}


def claim_item_json(c) -> dict:
    return {"text": c.text, "passages": []}


@dataclass
class Built:
    content: Any
    markdown: str
    title: str
    grounding: Any = None
    extra: dict = field(default_factory=dict)
