"""Quiz by a model: multiple choice, true/false, short answer, cloze and matching, each with an
explanation in the model's words and the passage it tests (the validator checks the answer there)."""

from __future__ import annotations

from harvest_desktop.formats.generative.base import Format, attribution_lines, citation, nums, text_of

TYPES = ("mcq", "tf", "short", "cloze", "matching")
QUESTION_SCHEMA = {"type": "object", "properties": {
    "type": {"type": "string", "enum": list(TYPES)}, "prompt": {"type": "string"},
    "options": {"type": "array", "items": {"type": "string"}}, "answer": {"type": "string"},
    "explanation": {"type": "string"}, "passages": {"type": "array", "items": {"type": "integer"}},
    "pairs": {"type": "array", "items": {"type": "object", "properties": {"left": {"type": "string"},
                                                                         "right": {"type": "string"}}}}},
    "required": ["type", "prompt", "answer", "passages"]}


def question(d, mat, qid: str):
    from harvest_desktop.formats.schema import MatchPair, QuizQuestion

    if not isinstance(d, dict):
        return None
    qtype = text_of(d.get("type")).lower() or "mcq"
    qtype = {"multiple_choice": "mcq", "true_false": "tf", "truefalse": "tf", "short_answer": "short",
             "fill": "cloze"}.get(qtype, qtype)
    prompt = text_of(d.get("prompt") or d.get("question"))
    if qtype not in TYPES or not prompt:
        return None
    options = [text_of(o) for o in d.get("options") or [] if text_of(o)]
    answer = text_of(d.get("answer"))
    if qtype == "tf":
        options = ["True", "False"]
        answer = {"true": "True", "false": "False"}.get(answer.lower(), answer)
    refs = nums(d.get("passages"))
    basis = prompt.replace("_____", answer) if qtype != "tf" or answer == "True" else text_of(d.get("explanation"))
    cit = citation(refs[0], mat, basis) if refs else None
    pairs = []
    if qtype == "matching":
        for pr in d.get("pairs") or []:
            if isinstance(pr, dict) and text_of(pr.get("left")) and text_of(pr.get("right")):
                pairs.append(MatchPair(left=text_of(pr.get("left")), right=text_of(pr.get("right")),
                                       citation=cit))
    return QuizQuestion(id=qid, type=qtype, prompt=prompt, options=options, answer=answer,
                        explanation=text_of(d.get("explanation")), citation=cit, pairs=pairs,
                        chapter=cit.section.split(" > ")[0] if cit and cit.section else "")


class QuizFormat(Format):
    key, label, template = "quiz", "Quiz", "quiz.j2"
    max_tokens = 2500
    schema = {"type": "object", "properties": {"title": {"type": "string"},
                                               "questions": {"type": "array", "items": QUESTION_SCHEMA}},
              "required": ["title", "questions"]}
    item_schema = QUESTION_SCHEMA
    item_attr, item_word = "questions", "Question"

    def types(self) -> tuple[str, ...]:
        return tuple(t for t in (self.opts.types or ("mcq", "tf", "short")) if t in TYPES) or ("mcq",)

    def output_tokens(self, share: float = 1.0) -> int:
        return min(6000, 200 + 160 * max(1, round((self.opts.count or 10) * share)))

    def instructions(self, share: float = 1.0) -> str:
        n = max(1, round((self.opts.count or 10) * share))
        return (f"Write a quiz of {n} {self.opts.difficulty} questions on this material, of these types: "
                f"{', '.join(self.types())}. Each question tests one passage: cite it. A multiple-choice answer is "
                "exactly one of its options; short-answer and cloze answers are words the passage itself uses. "
                "Explain each answer in your own words.")

    def content(self, datas, mat, meta):
        from harvest_desktop.formats.schema import Quiz

        qs = []
        for d in datas:
            for q in d.get("questions") or []:
                made = question(q, mat, f"q{len(qs) + 1}")
                if made is not None and made.type in self.types():
                    qs.append(made)
        if self.opts.count:
            qs = qs[: self.opts.count]
        title = next((str(d.get("title")) for d in datas if d.get("title")), "") or "Quiz"
        return Quiz(title=title, questions=qs)

    def item_json(self, item):
        return {"type": item.type, "prompt": item.prompt, "options": item.options, "answer": item.answer,
                "explanation": item.explanation, "pairs": [{"left": p.left, "right": p.right} for p in item.pairs]}

    def item_from(self, data, mat, old):
        new = question(data, mat, old.id)
        return new if new is not None and new.type == old.type else None

    def citations_of(self, content):
        return [q.citation for q in content.questions if q.citation is not None]

    def markdown(self, content) -> str:
        out = [f"# {content.title}", ""]
        for i, q in enumerate(content.questions, 1):
            flag = " (not confirmed by the sources: check it)" if q.status == "flagged" else ""
            out += [f"**{i}. {q.prompt}**{flag}", ""]
            out += [f"- {chr(65 + j)}) {o}" for j, o in enumerate(q.options)] if q.type in ("mcq", "tf") else []
            out += [f"- {p.left} → {p.right}" for p in q.pairs]
            where = f" {q.citation.label()}" if q.citation else ""
            out += ["", f"Answer: {q.answer}" if q.answer else "", f"Why: {q.explanation}{where}", ""]
        return "\n".join(out + attribution_lines(content.sources)) + "\n"


FORMAT = QuizFormat
