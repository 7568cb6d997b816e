from __future__ import annotations

import json

import pytest

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled, KnownError, NeedsModel
from tests.samples import write_markdown, write_pdf


@pytest.fixture
def harvested(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "photosynthesis.md"), write_pdf(tmp_path / "volcanoes.pdf")])
    assert all(r.ok for r in library.harvest_sync())
    return library


def test_study_guide_has_every_part_and_every_item_is_cited(harvested):
    out = harvested.generate("study-guide")
    content = json.loads(out.content_json)
    assert out.engine == "builtin"
    assert content["overview"] and content["concepts"] and content["sections"] and content["quiz"]
    texts = {c.text for c in harvested.chunks()}
    joined = "\n".join(texts)
    for sent in content["overview"] + [s for sec in content["sections"] for s in sec["summary"]]:
        assert sent["cite"].startswith("[") and sent["citation"]["chunk_id"]
        assert sent["text"] in joined  # taken from a source, not made up
    defined = [c for c in content["concepts"] if c["definition"]]
    assert len(defined) >= 3
    for c in defined:
        assert c["definition"] in joined and c["term"].lower() in c["definition"].lower() and c["cite"]
    terms = {c["term"].lower() for c in content["concepts"]}
    assert {"chloroplast", "calvin cycle"} & terms or {"chloroplasts", "calvin cycle"} & terms
    assert any("volcano" in t for t in terms)


def test_pdf_citations_name_the_page(harvested):
    content = json.loads(harvested.generate("study-guide").content_json)
    cites = [s["cite"] for sec in content["sections"] for s in sec["summary"] if s["citation"]["page"]]
    assert cites and all("p. " in c for c in cites)


def test_quiz_answers_are_right(harvested):
    content = json.loads(harvested.generate("study-guide").content_json)
    for q in content["quiz"]:
        assert "_____" in q["question"]
        if q["type"] == "multiple-choice":
            assert q["answer"] in q["options"] and len(q["options"]) >= 2
            assert q["options"]["ABCD".index(q["answer_letter"])] == q["answer"]
            # the blanked statement is the concept's own definition
            assert q["answer"].lower() not in q["question"].lower().replace("which term completes", "")


def test_generation_is_deterministic(harvested):
    a = harvested.generate("study-guide")
    b = harvested.generate("study-guide")
    assert a.markdown == b.markdown


def test_markdown_contains_answer_key_and_sources(harvested):
    md = harvested.generate("study-guide").markdown
    assert "## Key concepts" in md and "### Answer key" in md and "## Sources" in md
    assert "volcanoes" in md.lower()


def test_generative_formats_say_they_need_a_model(harvested):
    with pytest.raises(NeedsModel) as info:
        harvested.generate("blog-post")
    assert "needs a generative model" in str(info.value) and "Ollama" in str(info.value)


def test_empty_library_explains_what_to_do(library):
    with pytest.raises(KnownError) as info:
        library.generate("study-guide")
    assert "add files or URLs" in str(info.value)


def test_unknown_format_lists_the_known_ones(harvested):
    with pytest.raises(KnownError) as info:
        harvested.generate("poem")
    assert "study-guide" in str(info.value)


def test_cancel_stops_generation(harvested):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        harvested.generate("study-guide", cancel=token)


def test_near_duplicate_passages_are_not_fed_twice(library, tmp_path):
    from tests.samples import PHOTOSYNTHESIS_MD

    library.enqueue([write_markdown(tmp_path / "a.md")])
    library.harvest_sync()
    near = PHOTOSYNTHESIS_MD.replace("green plants", "green land plants").replace("# Photosynthesis", "# Plants")
    library.enqueue([write_markdown(tmp_path / "b.md", near)])
    library.harvest_sync()
    assert len({c.source_id for c in library.chunks()}) == 2
    content = json.loads(library.generate("study-guide").content_json)
    sentences = [s["text"] for sec in content["sections"] for s in sec["summary"]] + \
                [s["text"] for s in content["overview"]]
    assert len(sentences) == len(set(sentences)), "the same sentence was cited from both copies"
