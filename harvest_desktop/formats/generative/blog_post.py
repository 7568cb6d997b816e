"""Blog post by a model: title, hook, headed sections, conclusion, at the reading level and tone chosen.

Longer material is read part by part into cited notes first (map), then the post is written from
the notes (reduce), so nothing is cut to fit."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import (CLAIM_SCHEMA, Format, attribution_lines, claim, cite_marks,
                                                     text_of)

WORDS = {"short": 400, "medium": 800, "long": 1400}


class BlogPostFormat(Format):
    key, label, template = "blog-post", "Blog post", "blog_post.j2"
    merge = False
    item_schema = CLAIM_SCHEMA
    item_word = "Section"
    schema = {"type": "object", "properties": {
        "title": {"type": "string"}, "hook": CLAIM_SCHEMA, "conclusion": CLAIM_SCHEMA,
        "sections": {"type": "array", "items": {"type": "object", "properties": {
            "heading": {"type": "string"}, "paragraphs": {"type": "array", "items": CLAIM_SCHEMA}},
            "required": ["heading", "paragraphs"]}}}, "required": ["title", "sections"]}

    def words(self) -> int:
        return WORDS.get(self.opts.length, 800)

    def output_tokens(self, share: float = 1.0) -> int:
        return int(self.words() * 2.2) + 300

    def instructions(self, share: float = 1.0) -> str:
        topic = f" about {self.opts.topic}" if self.opts.topic else ""
        return (f"Write a blog post{topic} of about {self.words()} words from this material, in a {self.opts.tone} "
                f"tone, for readers at a {self.opts.reading_level} reading level: a title, a hook that opens it, "
                "three to five headed sections of paragraphs, and a conclusion. Every paragraph cites its passages.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import BlogPost, BlogSection, Claim

        d = datas[-1]
        sections = []
        for s in d.get("sections") or []:
            if not isinstance(s, dict):
                continue
            paras = [c for c in (claim(x, mat) for x in s.get("paragraphs") or []) if c]
            if paras:
                sections.append(BlogSection(heading=text_of(s.get("heading")), paragraphs=paras))
        return BlogPost(title=text_of(d.get("title")) or "Blog post", hook=claim(d.get("hook"), mat) or Claim(),
                        sections=sections, conclusion=claim(d.get("conclusion"), mat) or Claim())

    def rewrite_items(self, mat):
        return 2 + self.words() // 60  # hook, conclusion and paragraphs of at least 60 words

    def units(self, content):
        from harvest_desktop.formats.generative.base import Unit, _setter

        out = []
        if content.hook.text:
            out.append(Unit("Hook", content.hook, lambda new: setattr(content, "hook", new)))
        for i, sec in enumerate(content.sections):
            out.append(Unit(self._unit_label(i, sec), sec, _setter(content.sections, i)))
        if content.conclusion.text:
            out.append(Unit("Conclusion", content.conclusion, lambda new: setattr(content, "conclusion", new)))
        return out

    def unit_schema(self, item):
        from harvest_desktop.formats.schema import BlogSection

        return self.schema["properties"]["sections"]["items"] if isinstance(item, BlogSection) else self.item_schema

    def item_json(self, item):
        from harvest_desktop.formats.schema import BlogSection

        if isinstance(item, BlogSection):
            return {"heading": item.heading, "paragraphs": [{"text": p.text} for p in item.paragraphs]}
        return super().item_json(item)

    def item_from(self, data, mat, old):
        from harvest_desktop.formats.schema import BlogSection

        if not isinstance(old, BlogSection):
            return super().item_from(data, mat, old)
        paras = [c for c in (claim(x, mat) for x in data.get("paragraphs") or []) if c]
        return BlogSection(heading=text_of(data.get("heading")) or old.heading, paragraphs=paras) if paras else None

    def unit_check(self, item, mat):
        from harvest_desktop.formats.grounding import validate
        from harvest_desktop.formats.generative.base import THRESHOLD
        from harvest_desktop.formats.schema import BlogPost

        probe = BlogPost(sections=[item])
        validate(probe, mat.by_chunk, threshold=THRESHOLD)
        return bool(probe.sections and probe.sections[0].paragraphs)

    def citations_of(self, content):
        cits = [c for s in content.sections for p in s.paragraphs for c in p.citations]
        return cits + list(content.hook.citations) + list(content.conclusion.citations)

    def markdown(self, content) -> str:
        out = [f"# {content.title}", ""]
        if content.hook.text:
            out += [f"*{content.hook.text}*{cite_marks(content.hook.citations)}", ""]
        for s in content.sections:
            if s.heading:
                out += [f"## {s.heading}", ""]
            for p in s.paragraphs:
                out += [p.text + cite_marks(p.citations), ""]
        if content.conclusion.text:
            out += ["## Conclusion", "", content.conclusion.text + cite_marks(content.conclusion.citations), ""]
        return "\n".join(out + attribution_lines(content.sources)) + "\n"


FORMAT = BlogPostFormat
