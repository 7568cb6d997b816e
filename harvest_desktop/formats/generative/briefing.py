"""Briefing by a model: the key points of the sources, each cited."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import CLAIM_SCHEMA, Format, attribution_lines, claim, cite_marks


class BriefingFormat(Format):
    key, label, template = "briefing", "Briefing", "briefing.j2"
    max_tokens = 1200
    schema = {"type": "object", "properties": {"title": {"type": "string"},
                                               "points": {"type": "array", "items": CLAIM_SCHEMA}},
              "required": ["title", "points"]}
    item_schema = CLAIM_SCHEMA
    item_attr, item_word = "points", "Point"
    default_count = 8

    def instructions(self, share: float = 1.0) -> str:
        n = max(1, round((self.opts.count or 8) * share))
        return (f"Write a briefing: the {n} most important points of this material, most central first, "
                "each one or two sentences in plain words.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import Briefing

        points = [c for d in datas for c in (claim(x, mat) for x in d.get("points") or []) if c]
        if self.opts.count:
            points = points[: self.opts.count]
        title = next((str(d.get("title")) for d in datas if d.get("title")), "") or "Briefing"
        return Briefing(title=title, points=points)

    def citations_of(self, content):
        return [c for p in content.points for c in p.citations]

    def markdown(self, content) -> str:
        out = [f"# {content.title}", ""] + [f"- {p.text}{cite_marks(p.citations)}" for p in content.points]
        return "\n".join(out + [""] + attribution_lines(content.sources)) + "\n"


FORMAT = BriefingFormat
