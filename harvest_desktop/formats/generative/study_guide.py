"""Study guide by a model: an overview, then per chapter a summary, key concepts and review questions.

Each chapter (or a piece of a long one) is its own call, so a book longer than the model's context
is covered part by part (map) and the parts are joined (reduce) without a further call."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import (CLAIM_SCHEMA, Format, attribution_lines, citation, claim,
                                                     cite_marks, nums, text_of)


class StudyGuideFormat(Format):
    key, label, template = "study-guide", "Study guide", "study_guide.j2"
    item_schema = CLAIM_SCHEMA
    item_attr, item_word = "parts", "Part"
    schema = {"type": "object", "properties": {
        "title": {"type": "string"}, "overview": {"type": "array", "items": CLAIM_SCHEMA},
        "parts": {"type": "array", "items": {"type": "object", "properties": {
            "heading": {"type": "string"}, "summary": {"type": "array", "items": CLAIM_SCHEMA},
            "key_concepts": {"type": "array", "items": {"type": "object", "properties": {
                "term": {"type": "string"}, "definition": {"type": "string"},
                "passages": {"type": "array", "items": {"type": "integer"}}}}},
            "review_questions": {"type": "array", "items": {"type": "object", "properties": {
                "question": {"type": "string"}, "answer": CLAIM_SCHEMA}}}}}}},
        "required": ["title", "parts"]}

    def output_tokens(self, share: float = 1.0) -> int:
        return {"short": 1200, "long": 3000}.get(self.opts.length, 2000)

    def instructions(self, share: float = 1.0) -> str:
        per = {"short": "two", "long": "five"}.get(self.opts.length, "three")
        return (f"Write a study guide of this material for a {self.opts.difficulty}-level learner: a short overview, "
                f"then one part per chapter or section with a summary of {per} sentences, its key concepts (term and "
                "a definition faithful to the passage) and two review questions with their answers.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import GuidePart, KeyConcept, ReviewQuestion, StudyGuide

        overview, parts = [], []
        for d in datas:
            overview += [c for c in (claim(x, mat) for x in d.get("overview") or []) if c]
            for p in d.get("parts") or []:
                if not isinstance(p, dict):
                    continue
                summary = [c for c in (claim(x, mat) for x in p.get("summary") or []) if c]
                concepts = []
                for k in p.get("key_concepts") or []:
                    if isinstance(k, dict) and text_of(k.get("term")):
                        refs = nums(k.get("passages"))
                        definition = text_of(k.get("definition"))
                        concepts.append(KeyConcept(term=text_of(k.get("term")), definition=definition,
                                                   definition_kind="explained",
                                                   citation=citation(refs[0], mat, definition) if refs else None))
                questions = []
                for q in p.get("review_questions") or []:
                    if isinstance(q, dict) and text_of(q.get("question")):
                        ans = claim(q.get("answer"), mat)
                        if ans is not None:
                            questions.append(ReviewQuestion(question=text_of(q.get("question")), answer=ans))
                cited = [c for c in (summary[0].citations if summary else []) if c.passage is not None]
                parts.append(GuidePart(heading=text_of(p.get("heading")),
                                       heading_path=[h for h in (cited[0].section if cited else "").split(" > ") if h],
                                       source_id=cited[0].source_id if cited else None, summary=summary,
                                       key_concepts=concepts, review_questions=questions))
        title = next((str(d.get("title")) for d in datas if d.get("title")), "") or "Study guide"
        return StudyGuide(title=title, overview=overview[:6], parts=parts)

    def rewrite_items(self, mat):
        from harvest_desktop.formats.generative.base import chapter_of

        chapters = len({chapter_of(p) for _n, p in mat.numbered})
        return 6 + chapters * 7  # overview; per chapter at most five summary sentences and two answers

    def unit_schema(self, item):
        from harvest_desktop.formats.schema import GuidePart

        return self.schema["properties"]["parts"]["items"] if isinstance(item, GuidePart) else self.item_schema

    def item_json(self, item):
        from harvest_desktop.formats.schema import GuidePart

        if not isinstance(item, GuidePart):
            return super().item_json(item)
        return {"heading": item.heading, "summary": [{"text": c.text} for c in item.summary],
                "key_concepts": [{"term": k.term, "definition": k.definition} for k in item.key_concepts],
                "review_questions": [{"question": q.question, "answer": {"text": q.answer.text if q.answer else ""}}
                                     for q in item.review_questions]}

    def item_from(self, data, mat, old):
        from harvest_desktop.formats.schema import GuidePart

        if not isinstance(old, GuidePart):
            return super().item_from(data, mat, old)
        parts = self.content([{"parts": [data]}], mat, {}).parts
        if not parts:
            return None
        new = parts[0]
        if old.heading_path and not new.heading_path:
            new.heading_path, new.source_id = list(old.heading_path), old.source_id
        return new

    def unit_check(self, item, mat):
        from harvest_desktop.formats.grounding import validate
        from harvest_desktop.formats.generative.base import THRESHOLD
        from harvest_desktop.formats.schema import StudyGuide

        probe = StudyGuide(parts=[item])
        validate(probe, mat.by_chunk, threshold=THRESHOLD)
        return bool(item.summary or item.review_questions)

    def citations_of(self, content):
        cits = [c for x in content.overview for c in x.citations]
        for p in content.parts:
            cits += [c for x in p.summary for c in x.citations]
            cits += [k.citation for k in p.key_concepts if k.citation is not None]
            cits += [c for q in p.review_questions if q.answer for c in q.answer.citations]
        return cits

    def markdown(self, content) -> str:
        out = [f"# {content.title}", ""]
        if content.overview:
            out += ["## Overview", "", " ".join(c.text + cite_marks(c.citations) for c in content.overview), ""]
        for p in content.parts:
            out += [f"## {p.heading or 'Part'}", ""]
            if p.summary:
                out += [" ".join(c.text + cite_marks(c.citations) for c in p.summary), ""]
            if p.key_concepts:
                out += ["### Key concepts", ""]
                out += [f"- **{k.term}**: {k.definition}{cite_marks([k.citation] if k.citation else [])}"
                        for k in p.key_concepts] + [""]
            if p.review_questions:
                out += ["### Review questions", ""]
                for q in p.review_questions:
                    out += [f"- {q.question}", f"  - {q.answer.text}{cite_marks(q.answer.citations)}"]
                out += [""]
        return "\n".join(out + attribution_lines(content.sources)) + "\n"


FORMAT = StudyGuideFormat
