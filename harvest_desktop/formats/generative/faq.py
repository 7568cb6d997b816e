"""FAQ by a model: questions the sources answer, with cited answers."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import (CLAIM_SCHEMA, Format, attribution_lines, claim, cite_marks,
                                                     text_of)


class FaqFormat(Format):
    key, label, template = "faq", "FAQ", "faq.j2"
    max_tokens = 1800
    schema = {"type": "object", "properties": {
        "title": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "question": {"type": "string"}, "answer": {"type": "array", "items": CLAIM_SCHEMA}},
            "required": ["question", "answer"]}}}, "required": ["title", "items"]}
    item_schema = CLAIM_SCHEMA
    item_attr, item_word = "items", "Question"
    default_count = 8

    def instructions(self, share: float = 1.0) -> str:
        n = max(1, round((self.opts.count or 8) * share))
        return (f"Write {n} frequently asked questions a reader of this material would have, each answered in "
                "one to three sentences from the passages.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import FAQ, FaqItem

        items = []
        for d in datas:
            for it in d.get("items") or []:
                if not isinstance(it, dict) or not text_of(it.get("question")):
                    continue
                ans = it.get("answer")
                ans = ans if isinstance(ans, list) else [ans]
                claims = [c for c in (claim(a, mat) for a in ans) if c]
                if claims:
                    items.append(FaqItem(question=text_of(it.get("question")), answer=claims))
        if self.opts.count:
            items = items[: self.opts.count]
        title = next((str(d.get("title")) for d in datas if d.get("title")), "") or "FAQ"
        return FAQ(title=title, items=items)

    def unit_schema(self, item):
        from harvest_desktop.formats.schema import FaqItem

        return self.schema["properties"]["items"]["items"] if isinstance(item, FaqItem) else self.item_schema

    def item_json(self, item):
        from harvest_desktop.formats.schema import FaqItem

        if isinstance(item, FaqItem):
            return {"question": item.question, "answer": [{"text": a.text} for a in item.answer]}
        return super().item_json(item)

    def item_from(self, data, mat, old):
        from harvest_desktop.formats.schema import FaqItem

        if not isinstance(old, FaqItem):
            return super().item_from(data, mat, old)
        found = self.content([{"items": [data]}], mat, {}).items
        return found[0] if found else None

    def unit_check(self, item, mat):
        from harvest_desktop.formats.grounding import validate
        from harvest_desktop.formats.generative.base import THRESHOLD
        from harvest_desktop.formats.schema import FAQ

        probe = FAQ(items=[item])
        validate(probe, mat.by_chunk, threshold=THRESHOLD)
        return bool(probe.items)

    def citations_of(self, content):
        return [c for i in content.items for a in i.answer for c in a.citations]

    def markdown(self, content) -> str:
        out = [f"# {content.title}", ""]
        for it in content.items:
            out += [f"## {it.question}", "", " ".join(a.text + cite_marks(a.citations) for a in it.answer), ""]
        return "\n".join(out + attribution_lines(content.sources)) + "\n"


FORMAT = FaqFormat
