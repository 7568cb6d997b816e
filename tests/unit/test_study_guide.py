from __future__ import annotations

import json

import pytest

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled, KnownError, NeedsModel
from harvest_desktop.formats.schema import content_from_dict
from tests.samples import write_markdown, write_pdf


@pytest.fixture
def harvested(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "photosynthesis.md"), write_pdf(tmp_path / "volcanoes.pdf")])
    assert all(r.ok for r in library.harvest_sync())
    return library


def _claims(guide):
    return guide.overview + [c for p in guide.parts for c in p.summary]


def test_study_guide_has_every_part_and_every_item_is_cited(harvested):
    out = harvested.generate("study-guide")
    guide = content_from_dict(json.loads(out.content_json))
    assert out.engine == "builtin"
    assert guide.overview and guide.parts and guide.key_concepts()
    assert any(p.review_questions for p in guide.parts)
    passages = {c.id: c.text for c in harvested.chunks()}
    for claim in _claims(guide):
        cit = claim.citations[0]
        assert cit.passage in passages and claim.text in passages[cit.passage]  # taken from a source, not made up
        assert cit.quote == claim.text and claim.status == "grounded"
    defined = [c for c in guide.key_concepts() if c.definition and c.definition_kind == "defined"]
    assert len(defined) >= 3
    for c in defined:
        assert c.definition in passages[c.citation.passage] and c.term.lower()[:5] in c.definition.lower()
    terms = {c.term.lower() for c in guide.key_concepts()}
    assert {"chloroplast", "calvin cycle"} & terms
    assert any("volcano" in t for t in terms)
    assert guide.grounding.checked > 0 and guide.grounding.score >= 0.9
    assert {s.title for s in guide.sources} and all(s.source_id for s in guide.sources)


def test_pdf_citations_name_the_page(harvested):
    guide = content_from_dict(json.loads(harvested.generate("study-guide").content_json))
    pdf_src = next(s.source_id for s in guide.sources if s.file and s.file.endswith(".pdf"))
    cites = [c for claim in _claims(guide) for c in claim.citations if c.source_id == pdf_src]
    assert cites and all(c.page for c in cites)


def test_generation_is_deterministic(harvested):
    a = harvested.generate("study-guide")
    b = harvested.generate("study-guide")
    assert a.markdown == b.markdown and a.content_json == b.content_json


def test_markdown_has_parts_concepts_and_sources(harvested):
    md = harvested.generate("study-guide").markdown
    assert "## Overview" in md and "### Key concepts" in md and "## Sources" in md
    assert "volcanoes" in md.lower()


def test_generative_formats_say_they_need_a_model(harvested):
    with pytest.raises(NeedsModel) as info:
        harvested.generate("blog-post")
    assert "needs a generative model" in str(info.value) and "ollama" in str(info.value).lower()


def test_empty_library_explains_what_to_do(library):
    with pytest.raises(KnownError) as info:
        library.generate("study-guide")
    assert "add files or URLs" in str(info.value)


def test_unknown_format_lists_the_known_ones(harvested):
    with pytest.raises(KnownError) as info:
        harvested.generate("poem")
    assert "study-guide" in str(info.value) and "quiz" in str(info.value)


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
    guide = content_from_dict(json.loads(library.generate("study-guide").content_json))
    sentences = [c.text for c in _claims(guide)]
    assert len(sentences) == len(set(sentences)), "the same sentence was cited from both copies"
