"""FAQ, built offline: questions the text answers, with its own answers. "What is X?" for the
concepts it defines; "What does X cause?", "How does X differ from Y?", "What is X part of?"
where it states such a relation."""

from __future__ import annotations

from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.formats.builtin import cite_md, run_builtin, title_for
from harvest_desktop.formats.material import Material, centrality
from harvest_desktop.formats.registry import FormatResult
from harvest_desktop.formats.schema import EXPLAINED, FAQ, Claim, FaqItem
from harvest_desktop.formats.study_guide import what_is
from harvest_desktop.understand.analysis import CAUSES, CONTRASTS, PART_OF, PROSE
from harvest_desktop.understand.passages import Passage

DEFAULT_COUNT = 10
_REL_QUESTIONS = {CAUSES: "What does {a} cause?", CONTRASTS: "How does {a} differ from {b}?",
                  PART_OF: "What is {a} part of?"}


def build_faq(passages: Sequence[Passage], *, cancel: CancelToken = NEVER, progress: ProgressFn = no_progress,
              **options: Any) -> FormatResult:
    return run_builtin(passages, generate, render_markdown, cancel=cancel, progress=progress, **options)


def generate(material: Material, options: dict[str, Any]) -> FAQ:
    count = int(options.get("count") or DEFAULT_COUNT)
    cent = centrality(material)
    items: list[FaqItem] = []
    rel_budget = max(1, count // 4)
    for r in sorted(material.relations, key=lambda r: -r.weight):
        if len(items) >= rel_budget:
            break
        tmpl = _REL_QUESTIONS.get(r.label)
        if tmpl and r.evidence.kind == PROSE:
            items.append(FaqItem(tmpl.format(a=r.source, b=r.target), [Claim(r.evidence.text, [r.evidence.citation()])]))
    for c in material.concepts:
        if len(items) >= count:
            break
        if c.definition is None or c.definition_kind == EXPLAINED:
            continue
        answer = [Claim(c.definition_text or c.definition.text, [c.definition.citation()])]
        more = sorted((m for m in c.mentions if m.kind == PROSE and m.text != c.definition.text
                       and 8 <= len(m.text.split()) <= 40), key=lambda m: (-cent.get(m.order, 0), m.order))
        if more:
            answer.append(Claim(more[0].text, [more[0].citation()]))
        items.append(FaqItem(what_is(c.term), answer))
    return FAQ(title=title_for("FAQ", material), items=items[:count])


def render_markdown(f: FAQ) -> str:
    lines = [f"# {f.title}", ""]
    for item in f.items:
        lines += [f"## {item.question}", "", " ".join(f"{c.text} {cite_md(c.citations)}" for c in item.answer), ""]
    if f.sources:
        lines += ["## Sources", ""] + [f"- {s.title}" for s in f.sources] + [""]
    return "\n".join(lines)
