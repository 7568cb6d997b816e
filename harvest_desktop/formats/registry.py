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


Builder = Callable[[Sequence[Passage], CancelToken, ProgressFn], FormatResult]


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


def _study_guide(passages, cancel, progress) -> FormatResult:
    from harvest_desktop.formats.study_guide import build_study_guide

    return build_study_guide(passages, cancel=cancel, progress=progress)


FORMATS: list[FormatSpec] = [
    FormatSpec("study-guide", "Study guide",
               "Overview, key concepts with definitions from your sources, section summaries and a quiz "
               "with an answer key; every item cited.", _study_guide, aliases=("study_guide", "guide")),
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
        cancel: CancelToken = NEVER, progress: ProgressFn = no_progress) -> FormatResult:
    if engine != BUILTIN:
        raise KnownError(f"the engine '{engine}' is not available yet",
                         hint="use the built-in engine (--engine builtin)")
    if spec.builtin is None:
        raise NeedsModel(f"{spec.label} needs a generative model, and the built-in engine only makes "
                         "extractive formats",
                         hint="add an API key in the Keys pane, or run Ollama on this computer")
    return spec.builtin(passages, cancel, progress)
