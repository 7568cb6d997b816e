"""A cited answer by a model: the passages retrieved for the question, numbered; "not found" is an answer."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import (CLAIM_SCHEMA, Format, attribution_lines, claim, cite_marks,
                                                     material)

TOP_K = 8


def retrieve(question: str, passages, k: int = TOP_K):
    """The passages that share most words with the question, in reading order."""
    from harvest_desktop.formats.grounding import similarity

    ranked = sorted(range(len(passages)), key=lambda i: -similarity(question, passages[i].text))[:k]
    return [passages[i] for i in sorted(ranked)]


class AnswerFormat(Format):
    key, label, template = "answer", "Cited answer", "answer.j2"
    max_tokens = 700
    default_count = 6
    merge = False
    schema = {"type": "object", "properties": {"found": {"type": "boolean"},
                                               "claims": {"type": "array", "items": CLAIM_SCHEMA}},
              "required": ["found", "claims"]}
    item_schema = CLAIM_SCHEMA

    def instructions(self, share: float = 1.0) -> str:
        return (f"Answer this question from the passages, in a few sentences: «{self.opts.question}». "
                "Each sentence is one claim with the passages it rests on.")

    def run(self, passages, meta, ask, **kw):
        return super().run(retrieve(self.opts.question, list(passages)), meta, ask, **kw)

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import Answer

        d = datas[-1]
        claims = [c for c in (claim(x, mat) for x in d.get("claims") or []) if c]
        found = bool(d.get("found", bool(claims))) and bool(claims)
        return Answer(question=self.opts.question, claims=claims, found=found, title=self.opts.question)

    def check_not_empty(self, content) -> None:
        return None  # "the sources do not say" is a valid answer

    def citations_of(self, content):
        return [c for x in content.claims for c in x.citations]

    def markdown(self, content) -> str:
        body = " ".join(c.text + cite_marks(c.citations) for c in content.claims) if content.found else \
            "The sources do not say."
        return "\n".join([f"# {content.question}", "", body, ""] + attribution_lines(content.sources)) + "\n"


FORMAT = AnswerFormat
__all__ = ["FORMAT", "retrieve", "material"]
