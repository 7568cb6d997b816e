"""The frame every built-in generator runs in: material in, content validated, Markdown out."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.formats.grounding import THRESHOLD, validate
from harvest_desktop.formats.material import Material, build_material
from harvest_desktop.formats.registry import BUILTIN, FormatResult
from harvest_desktop.understand.passages import Passage

ROUTE_REASON = "built-in offline engine: extractive, no keys or network needed"


def run_builtin(passages: Sequence[Passage], generate: Callable[[Material, dict[str, Any]], Any],
                render: Callable[[Any], str], *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
                analyses: Mapping[int, Any] | None = None, meta: Mapping[int, Any] | None = None,
                chapters: Sequence[str] | None = None, threshold: float = THRESHOLD, **options: Any
                ) -> FormatResult:
    progress(Progress(0, 3, "Reading the material"))
    material = build_material(passages, analyses, meta=meta, chapters=chapters, cancel=cancel)
    cancel.check()
    progress(Progress(1, 3, "Writing"))
    content = generate(material, {**options, "cancel": cancel})
    if chapters:
        content.title = title_for(content.title.split(":")[0], material, chosen=True)
    cancel.check()
    progress(Progress(2, 3, "Checking every item against its passage"))
    report = validate(content, material.passages or {p.chunk_id: p for p in passages}, threshold=threshold)
    _trim(content, options.get("count"), report)
    content.sources = material.sources
    progress(Progress(3, 3, "Done"))
    return FormatResult(title=content.title, content=content.to_dict(), markdown=render(content), engine=BUILTIN,
                        route_reason=ROUTE_REASON)


def title_for(kind: str, material: Material, chosen: bool = False) -> str:
    names = [s.title for s in material.sources]
    base = ", ".join(names[:2]) + (" and more" if len(names) > 2 else "")
    if chosen and material.chapters and len(material.chapters) <= 3:
        base += " (" + "; ".join(material.chapters) + ")"
    return f"{kind}: {base}" if base else kind


def cite_md(citations) -> str:
    return " ".join(c.label() for c in citations)


def _trim(content: Any, count: Any, report) -> None:
    """Generators make a few spare items so that dropped ones are replaced; keep `count` of them."""
    if not count:
        return
    for attr in ("questions", "cards"):
        items = getattr(content, attr, None)
        if items is not None and len(items) > int(count):
            setattr(content, attr, items[: int(count)])
            kept = [i.grounding for i in getattr(content, attr) if i.grounding is not None]
            report.score = round(sum(kept) / len(kept), 4) if kept else None
