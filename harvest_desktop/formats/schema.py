"""The structured content of every format: what generators write into Output.content_json and
what every exporter reads (never the Markdown).

Each content object carries `kind`, `schema_version`, `title`, `sources` and a `grounding`
report; `to_dict()` gives plain JSON-ready data and `from_dict()` reads it back, ignoring keys it
does not know (so a newer writer does not break an older reader) and filling defaults for
missing ones. `content_from_dict()` picks the class by `kind`.

A citation is {"passage": n, "source_id", "title", "page", "section", "quote"}: `passage` is the
id of the passage (chunk) given to the generator, `quote` the words of that passage the item
rests on. A claim is text plus its citations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from harvest_desktop.core.plain import SCHEMA_VERSION
from harvest_desktop.core.plain import Plain as _Plain

# Claim / item status after the grounding validator ran.
GROUNDED, FLAGGED = "grounded", "flagged"


# -- shared pieces ---------------------------------------------------------------------------------

@dataclass
class SourceRef(_Plain):
    """One source an output was made from, as exporters list it."""

    source_id: int | None = None
    title: str = ""
    author: str | None = None
    site: str | None = None
    date: str | None = None
    url: str | None = None
    file: str | None = None
    license: str | None = None


@dataclass
class Citation(_Plain):
    passage: int | None = None  # id of the passage (chunk) the generator was given
    source_id: int | None = None
    title: str = ""
    page: int | None = None
    section: str = ""  # heading path, " > "-joined
    quote: str = ""  # the words of the passage the item rests on

    def label(self) -> str:
        """Short human citation: [Title, p. 3, § Section]."""
        parts = [self.title or (f"source {self.source_id}" if self.source_id is not None else "source")]
        if self.page:
            parts.append(f"p. {self.page}")
        if self.section:
            parts.append("§ " + self.section.split(" > ")[-1])
        return "[" + ", ".join(parts) + "]"


@dataclass
class Claim(_Plain):
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    grounding: float | None = None  # similarity of the claim to its cited passages, 0..1
    status: str = ""  # "" (not checked), "grounded", "flagged"


@dataclass
class GroundingReport(_Plain):
    """What the grounding validator found for one output."""

    score: float | None = None  # mean grounding score of the items kept
    threshold: float | None = None
    checked: int = 0
    passed: int = 0
    dropped: int = 0
    flagged: int = 0
    problems: list[str] = field(default_factory=list)  # one line per dropped/flagged item


@dataclass
class _Content(_Plain):
    KIND: ClassVar[str] = ""

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION


# -- study guide -----------------------------------------------------------------------------------

DEFINED, EXPLAINED, GLOSSARY = "defined", "explained", "glossary"
DEFINITION_KINDS = (DEFINED, EXPLAINED, GLOSSARY)


@dataclass
class KeyConcept(_Plain):
    term: str = ""
    definition: str = ""  # verbatim from the source; "" when the sources neither define nor explain it
    definition_kind: str = DEFINED  # "defined" | "explained" (best explaining sentence) | "glossary"
    citation: Citation | None = None
    aliases: list[str] = field(default_factory=list)
    chapter: str = ""
    grounding: float | None = None
    status: str = ""


@dataclass
class ReviewQuestion(_Plain):
    question: str = ""
    answer: Claim | None = None
    concept: str = ""


@dataclass
class GuidePart(_Plain):
    """One chapter or section of the material."""

    heading: str = ""
    heading_path: list[str] = field(default_factory=list)
    source_id: int | None = None
    summary: list[Claim] = field(default_factory=list)
    key_concepts: list[KeyConcept] = field(default_factory=list)
    review_questions: list[ReviewQuestion] = field(default_factory=list)


@dataclass
class ConceptEdge(_Plain):
    source: str = ""
    target: str = ""
    label: str = ""  # "is a kind of", "part of", "causes", "contrasts with", "argues for", ...
    evidence: str = ""  # the sentence that states it, verbatim
    citation: Citation | None = None
    weight: float = 1.0


@dataclass
class ConceptNode(_Plain):
    term: str = ""
    score: float = 0.0
    group: str = ""  # chapter the concept belongs to


@dataclass
class ConceptMap(_Content):
    KIND: ClassVar[str] = "concept-map"
    title: str = ""
    nodes: list[ConceptNode] = field(default_factory=list)
    edges: list[ConceptEdge] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)


@dataclass
class StudyGuide(_Content):
    KIND: ClassVar[str] = "study-guide"
    title: str = ""
    overview: list[Claim] = field(default_factory=list)
    parts: list[GuidePart] = field(default_factory=list)
    concept_map: ConceptMap | None = None
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)

    def key_concepts(self) -> list[KeyConcept]:
        return [c for p in self.parts for c in p.key_concepts]


# -- quiz ------------------------------------------------------------------------------------------

QUESTION_TYPES = ("mcq", "tf", "cloze", "matching", "short")


@dataclass
class MatchPair(_Plain):
    left: str = ""  # the term
    right: str = ""  # its definition
    citation: Citation | None = None


@dataclass
class QuizQuestion(_Plain):
    id: str = ""
    type: str = "mcq"  # mcq | tf | cloze | matching | short
    prompt: str = ""
    options: list[str] = field(default_factory=list)  # mcq: choices; tf: ["True", "False"]
    answer: str = ""  # mcq: the right option; tf: "True"/"False"; cloze/short: the words
    explanation: str = ""
    citation: Citation | None = None
    concept: str = ""
    chapter: str = ""
    pairs: list[MatchPair] = field(default_factory=list)  # matching: the right pairing
    grounding: float | None = None
    status: str = ""


@dataclass
class Quiz(_Content):
    KIND: ClassVar[str] = "quiz"
    title: str = ""
    questions: list[QuizQuestion] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


# -- flashcards ------------------------------------------------------------------------------------

@dataclass
class Flashcard(_Plain):
    id: str = ""  # stable hash of the card's content: re-imports update, not duplicate
    kind: str = "basic"  # basic | cloze
    front: str = ""
    back: str = ""
    cloze: str = ""  # cloze text in Anki syntax: "The {{c1::mitochondrion}} makes ATP."
    tags: list[str] = field(default_factory=list)  # "concept::<term>", "chapter::<title>"
    citation: Citation | None = None
    concept: str = ""
    chapter: str = ""
    grounding: float | None = None
    status: str = ""


@dataclass
class Flashcards(_Content):
    KIND: ClassVar[str] = "flashcards"
    title: str = ""
    cards: list[Flashcard] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


# -- briefing, FAQ, answer -------------------------------------------------------------------------

@dataclass
class Briefing(_Content):
    KIND: ClassVar[str] = "briefing"
    title: str = ""
    points: list[Claim] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


@dataclass
class FaqItem(_Plain):
    question: str = ""
    answer: list[Claim] = field(default_factory=list)


@dataclass
class FAQ(_Content):
    KIND: ClassVar[str] = "faq"
    title: str = ""
    items: list[FaqItem] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


@dataclass
class Answer(_Content):
    KIND: ClassVar[str] = "answer"
    question: str = ""
    claims: list[Claim] = field(default_factory=list)
    found: bool = False  # False: "the sources do not say"
    title: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


# -- generative formats ----------------------------------------------------------------------------

@dataclass
class BlogSection(_Plain):
    heading: str = ""
    paragraphs: list[Claim] = field(default_factory=list)


@dataclass
class BlogPost(_Content):
    KIND: ClassVar[str] = "blog-post"
    title: str = ""
    hook: Claim = field(default_factory=Claim)
    sections: list[BlogSection] = field(default_factory=list)
    conclusion: Claim = field(default_factory=Claim)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


@dataclass
class Scene(_Plain):
    duration_s: float = 0.0
    narration: str = ""
    on_screen_text: str = ""
    broll: str = ""
    citations: list[Citation] = field(default_factory=list)
    grounding: float | None = None
    status: str = ""


@dataclass
class VideoScript(_Content):
    KIND: ClassVar[str] = "video-script"
    title: str = ""
    target_runtime_s: float = 0.0
    scenes: list[Scene] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    grounding: GroundingReport = field(default_factory=GroundingReport)


CONTENT_TYPES: dict[str, type] = {cls.KIND: cls for cls in (
    StudyGuide, Quiz, Flashcards, Briefing, FAQ, Answer, BlogPost, VideoScript, ConceptMap)}


def content_from_dict(data: dict[str, Any]):
    """The content object for stored content_json data, chosen by its `kind`."""
    kind = (data or {}).get("kind", "")
    cls = CONTENT_TYPES.get(kind)
    if cls is None:
        raise ValueError(f"unknown content kind {kind!r}")
    if cls is StudyGuide and "parts" not in data and "sections" in data:
        return _legacy_study_guide(data)
    return cls.from_dict(data)


def _legacy_citation(item: dict[str, Any], text: str = "") -> Citation | None:
    c = item.get("citation") or None
    if not c:
        return None
    return Citation(passage=c.get("chunk_id"), source_id=c.get("source_id"), title=c.get("source", ""),
                    page=c.get("page"), section=c.get("section", ""), quote=text)


def _legacy_study_guide(data: dict[str, Any]) -> StudyGuide:
    """Study guides stored before the schema (overview/concepts/sections/quiz) read as parts."""
    def claim(s: dict[str, Any]) -> Claim:
        cit = _legacy_citation(s, s.get("text", ""))
        return Claim(text=s.get("text", ""), citations=[cit] if cit else [])

    concepts = [KeyConcept(term=c.get("term", ""), definition=c.get("definition") or "",
                           definition_kind=DEFINED, citation=_legacy_citation(c, c.get("definition") or ""),
                           aliases=list(c.get("aliases") or []))
                for c in data.get("concepts", [])]
    parts = [GuidePart(heading=s.get("heading", ""),
                       heading_path=[h for h in (s.get("path") or "").split(" > ") if h],
                       source_id=s.get("source_id"), summary=[claim(x) for x in s.get("summary", [])])
             for s in data.get("sections", [])]
    if concepts:
        if parts:
            parts[0].key_concepts = concepts
        else:
            parts = [GuidePart(heading="Key concepts", key_concepts=concepts)]
    questions = []
    for q in data.get("quiz", []):  # the legacy guide's quiz becomes review questions, answers kept
        options = q.get("options") or []
        prompt = q.get("question", "")
        if options:
            prompt += " " + " ".join(f"({chr(65 + i)}) {o}" for i, o in enumerate(options))
        cit = _legacy_citation(q, q.get("text", ""))
        questions.append(ReviewQuestion(question=prompt, concept=q.get("answer", ""),
                                        answer=Claim(text=q.get("answer", ""), citations=[cit] if cit else [])))
    if questions:
        parts.append(GuidePart(heading="Quiz", review_questions=questions))
    sources = [SourceRef(source_id=s.get("id"), title=s.get("name", "")) for s in data.get("sources", [])]
    return StudyGuide(title=data.get("title", ""), overview=[claim(s) for s in data.get("overview", [])],
                      parts=parts, sources=sources)
