"""Briefing, built offline: the material's most central claims (the sentences that state most of
its key concepts), one per passage, in reading order, each cited."""

from __future__ import annotations

from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.formats.builtin import cite_md, run_builtin, title_for
from harvest_desktop.formats.material import Material, central_sentences
from harvest_desktop.formats.registry import FormatResult
from harvest_desktop.formats.schema import Briefing, Claim
from harvest_desktop.understand.passages import Passage

DEFAULT_COUNT = 8


def build_briefing(passages: Sequence[Passage], *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
                   **options: Any) -> FormatResult:
    return run_builtin(passages, generate, render_markdown, cancel=cancel, progress=progress, **options)


def generate(material: Material, options: dict[str, Any]) -> Briefing:
    count = int(options.get("count") or DEFAULT_COUNT)
    points = central_sentences(material, limit=count)
    return Briefing(title=title_for("Briefing", material), points=[Claim(s.text, [s.citation()]) for s in points])


def render_markdown(b: Briefing) -> str:
    lines = [f"# {b.title}", ""] + [f"- {c.text} {cite_md(c.citations)}" for c in b.points] + [""]
    if b.sources:
        lines += ["## Sources", ""] + [f"- {s.title}" for s in b.sources] + [""]
    return "\n".join(lines)
