"""An output's versions: one FAQ entry, study-guide part or blog-post section written again by a model
(a scripted OpenAI-format server on 127.0.0.1), the person's edits made on the structured content
that exporters read, every version kept in the real SQLite library and restorable."""

from __future__ import annotations

import json

import pytest

from harvest_desktop.core.errors import KnownError
from harvest_desktop.formats.schema import content_from_dict
from tests.integration.test_generative_formats import env, first_sentence, gen, numbered, user_prompts  # noqa: F401


def content(out):
    return content_from_dict(json.loads(out.content_json))


def test_one_faq_entry_is_written_again_and_the_rest_kept(env):  # noqa: F811
    library, srv = env
    ps = numbered(library)
    s1, s2 = first_sentence(ps[0].text), first_sentence(ps[-1].text)
    srv.script(("ok", json.dumps({"title": "FAQ", "items": [
        {"question": "How do bees show food?", "answer": [{"text": s1, "passages": [1]}]},
        {"question": "What do ants follow?", "answer": [{"text": s2, "passages": [len(ps)]}]}]})))
    made = gen(library, "faq")
    assert library.generation.items(made.output.id) == ["Question 1: How do bees show food?",
                                                         "Question 2: What do ants follow?"]
    srv.script(("ok", json.dumps({"question": "Where is the food, for a bee?",
                                  "answer": [{"text": s2, "passages": [len(ps)]}]})))
    library.generation.regenerate_item(made.output.id, 1, engine="openai")
    from harvest_desktop.store.ai_repo import usage_since

    # The rewrite's estimate counted its own call and a repair, not a whole FAQ run.
    whole = library.generation.route("faq", engine="openai").primary.estimate
    one = usage_since(library.db)[-1]
    assert 0 < one.est_tokens_in < whole.tokens_in / 2, (one.est_tokens_in, whole.tokens_in)
    faq = content(library.generation.output(made.output.id))
    assert faq.items[0].question == "How do bees show food?"  # untouched
    assert faq.items[1].question == "Where is the food, for a bee?" and faq.items[1].answer[0].citations[0].passage
    prompt = user_prompts(srv)[-1]
    assert "asked for a new version of this question of the faq" in prompt and "What do ants follow?" in prompt
    # The rewrite was given the passages of the chapter the entry cites, numbered as in the first run.
    assert f"<<<PASSAGE {len(ps)} " in prompt
    assert [v.note for v in library.generation.versions(made.output.id)] == ["made", "Question 2 written again"]
    # A rewrite that cites nothing it was given leaves the entry as it was, and no version is added.
    srv.script(("ok", json.dumps({"question": "?", "answer": [{"text": "Quarks bind gluons.", "passages": [99]}]})))
    with pytest.raises(KnownError, match="did not rest on the sources"):
        library.generation.regenerate_item(made.output.id, 0, engine="openai")
    assert len(library.generation.versions(made.output.id)) == 2


def test_one_study_guide_part_and_one_blog_section_are_written_again(env):  # noqa: F811
    library, srv = env
    ps = numbered(library)
    s1, s2 = first_sentence(ps[0].text), first_sentence(ps[-1].text)
    c1, c2 = {"text": s1, "passages": [1]}, {"text": s2, "passages": [len(ps)]}
    srv.script(("ok", json.dumps({"title": "Guide", "overview": [c1], "parts": [
        {"heading": "Bees", "summary": [c1], "key_concepts": [], "review_questions": []},
        {"heading": "Ants", "summary": [c2], "key_concepts": [],
         "review_questions": [{"question": "What do ants lay?", "answer": c2}]}]})))
    guide = gen(library, "study-guide")
    assert library.generation.items(guide.output.id) == ["Part 1: Bees", "Part 2: Ants"]
    srv.script(("ok", json.dumps({"heading": "Ant trails", "summary": [c2],
                                  "key_concepts": [{"term": "pheromone", "definition": s2, "passages": [len(ps)]}],
                                  "review_questions": [{"question": "What marks a trail?", "answer": c2}]})))
    library.generation.regenerate_item(guide.output.id, 1, engine="openai")
    after = content(library.generation.output(guide.output.id))
    assert [p.heading for p in after.parts] == ["Bees", "Ant trails"]
    assert after.parts[1].key_concepts[0].term == "pheromone" and after.parts[0].summary[0].text == s1
    assert "Ant trails" in library.generation.output(guide.output.id).markdown  # the Markdown follows

    srv.script(("ok", json.dumps({"title": "Post", "hook": c1, "sections": [
        {"heading": "Dances", "paragraphs": [c1]}, {"heading": "Trails", "paragraphs": [c2]}], "conclusion": c2})))
    post = gen(library, "blog-post")
    assert library.generation.items(post.output.id) == ["Hook", "Section 1: Dances", "Section 2: Trails",
                                                        "Conclusion"]
    srv.script(("ok", json.dumps({"heading": "How a dance points", "paragraphs": [c1, c1]})))
    library.generation.regenerate_item(post.output.id, 1, engine="openai")
    blog = content(library.generation.output(post.output.id))
    assert [s.heading for s in blog.sections] == ["How a dance points", "Trails"] and len(blog.sections[0].paragraphs) == 2
    srv.script(("ok", json.dumps({"text": s2, "passages": [len(ps)]})))
    library.generation.regenerate_item(post.output.id, 0, engine="openai")  # the hook, a single claim
    assert content(library.generation.output(post.output.id)).hook.text == s2
    assert len(library.generation.versions(post.output.id)) == 3


def test_an_edit_changes_what_every_exporter_reads_and_versions_restore(env, tmp_path):  # noqa: F811
    library, srv = env
    ps = numbered(library)
    s1 = first_sentence(ps[0].text)
    word = next(w for w in s1.split() if len(w) > 5).strip(".,")
    mcq = {"type": "mcq", "prompt": s1.replace(word, "_____"), "options": [word, "ants", "wasps", "moths"],
           "answer": word, "explanation": "The passage says so.", "passages": [1]}
    srv.script(("ok", json.dumps({"title": "Bee quiz", "questions": [mcq]})))
    made = gen(library, "quiz", types="mcq")
    oid = made.output.id
    fields = {f.label: f for f in library.generation.edit_fields(oid)}
    assert {"Title", "Question 1 · prompt", "Question 1 · Option 2", "Question 1 · answer",
            "Question 1 · explanation"} <= set(fields)
    assert not any("citation" in label or "sources" in label for label in fields)
    seen = []
    library.bus.subscribe(seen.append)
    edited = library.generation.edit(oid, {fields["Title"].path: "My bee quiz",
                                           fields["Question 1 · explanation"].path: "Bees dance to say where."})
    assert edited.output.id == oid and oid in seen[-1].outputs_changed
    q = content(edited.output).questions[0]
    assert q.explanation == "Bees dance to say where." and q.status == "edited"
    assert q.citation is not None and q.citation.passage is not None  # the edit keeps its passage
    # Exporters read the structured content: the edit is in every file type.
    for ext in (".md", ".csv", ".json"):
        path = library.exports.write(oid, tmp_path / f"quiz{ext}")
        assert "Bees dance to say where." in path.read_text(encoding="utf-8-sig"), ext
    assert "My bee quiz" in (tmp_path / "quiz.md").read_text(encoding="utf-8")
    # An answer that is no longer one of the options is refused; nothing is stored.
    with pytest.raises(KnownError, match="not one of its options"):
        library.generation.edit(oid, {fields["Question 1 · answer"].path: "bumblebees"})
    assert len(library.generation.versions(oid)) == 2
    # Changing an option and the answer together is fine.
    library.generation.edit(oid, {fields["Question 1 · Option 2"].path: "termites"})
    versions = library.generation.versions(oid)
    assert [v.note for v in versions] == ["made", "edited by you (2 texts)", "edited by you (1 text)"]
    restored = library.generation.restore(oid, 1)
    assert content(restored.output).questions[0].explanation == "The passage says so."
    assert restored.output.title == "Bee quiz"
    assert [v.number for v in library.generation.versions(oid)] == [1, 2, 3, 4]
    assert library.generation.versions(oid)[-1].note == "version 1 restored"
    with pytest.raises(KnownError, match="no version 9"):
        library.generation.restore(oid, 9)
    assert len(library.generation.outputs()) == 1  # versions never multiply the outputs list
