"""Which formats exist, which engines can make them, and running one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError, NeedsModel
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.understand.passages import Passage

BUILTIN = "builtin"


@dataclass
class FormatResult:
    title: str
    content: dict[str, Any]  # structured, format-specific; exporters read this
    markdown: str
    engine: str
    route_reason: str


# builder(passages, cancel, progress, **options); options: count, types, chapters, analyses, meta
Builder = Callable[..., FormatResult]


@dataclass
class FormatSpec:
    key: str  # CLI name, e.g. "study-guide"
    label: str  # UI name, e.g. "Study guide"
    description: str
    builtin: Builder | None  # None: needs a generative model
    extensions: tuple[str, ...] = (".md", ".pdf")
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_model(self) -> bool:
        return self.builtin is None


def _builtin(module: str, function: str) -> Builder:
    """A builder that imports its module on first use (start-up stays light)."""
    def build(passages, cancel, progress, **options) -> FormatResult:
        import importlib

        fn = getattr(importlib.import_module(f"harvest_desktop.formats.{module}"), function)
        return fn(passages, cancel=cancel, progress=progress, **options)

    return build


_study_guide = _builtin("study_guide", "build_study_guide")

FORMATS: list[FormatSpec] = [
    FormatSpec("study-guide", "Study guide",
               "Overview, then one part per chapter or section: key concepts with their definitions from your "
               "sources, a summary and review questions; every item cited.", _study_guide,
               aliases=("study_guide", "guide")),
    FormatSpec("quiz", "Quiz", "Multiple choice, true/false, fill-in-the-blank and matching questions, each with "
               "its answer, an explanation and the passage it tests.", _builtin("quiz", "build_quiz"),
               aliases=("quiz-bank", "questions")),
    FormatSpec("flashcards", "Flashcards", "Term → definition and cloze cards, tagged by concept and chapter.",
               _builtin("flashcards", "build_flashcards"), aliases=("cards", "flashcard")),
    FormatSpec("briefing", "Briefing", "The most central claims of your sources, each cited.",
               _builtin("briefing", "build_briefing"), aliases=("brief",)),
    FormatSpec("faq", "FAQ", "Questions your sources answer, with their answers, cited.",
               _builtin("faq", "build_faq"), aliases=("faqs",)),
    FormatSpec("blog-post", "Blog post", "A readable article drawn from your sources.", None),
    FormatSpec("video-script", "Video script", "A narrated script with scenes and on-screen text.", None),
]


def get_format(name: str) -> FormatSpec:
    key = name.strip().lower().replace(" ", "-")
    for spec in FORMATS:
        if key == spec.key or key in spec.aliases:
            return spec
    raise KnownError(f"unknown format '{name}'", hint="choose one of: " + ", ".join(f.key for f in FORMATS))


def engines_available() -> list[str]:
    """Engines that can run right now; the offline one always can."""
    return [BUILTIN]


def route_description(spec: FormatSpec, engine: str = BUILTIN) -> str:
    """What the Formats pane says about who will make this format and why."""
    if engine == BUILTIN and not spec.needs_model:
        return ("Built-in offline engine: runs on this computer, needs no keys or network, costs nothing. "
                "Text is taken from your sources and cited.")
    if spec.needs_model:
        return (f"{spec.label} needs a generative model. Add an API key in the Keys pane or run Ollama "
                "on this computer; the built-in engine only makes extractive formats.")
    return f"Engine: {engine}"


def to_passages(chunks: Sequence[Any], sources: Mapping[int, Any]) -> list[Passage]:
    out = []
    for c in chunks:
        src = sources.get(c.source_id)
        name = (src.title or src.name) if src is not None else f"source {c.source_id}"
        out.append(Passage(c.id, c.source_id, name, c.page, c.heading_path, c.text))
    return out


def run(spec: FormatSpec, engine: str, passages: Sequence[Passage], *,
        cancel: CancelToken = NEVER, progress: ProgressFn = no_progress, **options: Any) -> FormatResult:
    """options: count, types, chapters (numbers or titles), analyses {source_id: SourceAnalysis},
    meta {source_id: Source} for attribution."""
    if engine != BUILTIN:
        raise KnownError(f"the engine '{engine}' is not available yet",
                         hint="use the built-in engine (--engine builtin)")
    if spec.builtin is None:
        raise NeedsModel(f"{spec.label} needs a generative model, and the built-in engine only makes "
                         "extractive formats",
                         hint="add an API key in the Keys pane, or run Ollama on this computer")
    return spec.builtin(passages, cancel, progress, **options)
