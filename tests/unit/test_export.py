from __future__ import annotations

import json
import os

import pytest

from harvest_desktop.core.errors import BadInput, KnownError
from tests.samples import pdf_text, write_markdown


@pytest.fixture
def output(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "photosynthesis.md")])
    library.harvest_sync()
    return library.generate("study-guide")


def test_pdf_export_reads_back_with_concepts_and_citations(library, output, tmp_path):
    (tmp_path / "out").mkdir()  # a missing folder is an error, never created silently
    target = library.export(output.id, tmp_path / "out" / "guide.pdf")
    assert target.read_bytes().startswith(b"%PDF")
    text = pdf_text(target)
    from harvest_desktop.formats.schema import content_from_dict

    guide = content_from_dict(json.loads(output.content_json))
    terms = [c.term for c in guide.key_concepts()]
    assert terms and all(t.lower() in text.lower() for t in terms)
    questions = [q for p in guide.parts for q in p.review_questions]
    if questions:
        assert "Answers to the review questions" in text
    assert "References" in text and "Sources" in text


def test_markdown_export_renders_the_structured_content(library, output, tmp_path):
    import re

    from harvest_desktop.formats.schema import content_from_dict

    md = library.export(output.id, tmp_path / "guide.md").read_text(encoding="utf-8")
    guide = content_from_dict(json.loads(output.content_json))
    assert md.startswith("# ") and all(c.term in md for c in guide.key_concepts())
    assert set(re.findall(r"\]\(#(ref-\d+)\)", md)) <= set(re.findall(r'<a id="(ref-\d+)"></a>', md))
    assert "## Sources" in md and "photosynthesis" in md.lower()


def test_json_export_carries_structure(library, output, tmp_path):
    data = json.loads(library.export(output.id, tmp_path / "guide.json").read_text(encoding="utf-8"))
    assert data["format"] == "study-guide" and data["output"]["engine"] == "builtin"
    assert data["content"]["kind"] == "study-guide" and data["content"]["parts"]


def test_existing_file_is_never_silently_overwritten(library, output, tmp_path):
    target = tmp_path / "guide.md"
    target.write_text("my own notes")
    with pytest.raises(KnownError) as info:
        library.export(output.id, target)
    assert "already exists" in str(info.value)
    assert target.read_text() == "my own notes"
    library.export(output.id, target, overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("# ") and "my own notes" not in target.read_text()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_unknown_extension_is_refused_with_the_choices(library, output, tmp_path):
    with pytest.raises(BadInput) as info:
        library.export(output.id, tmp_path / "guide.xyz")
    assert ".pdf" in str(info.value) and ".md" in str(info.value)


def test_unicode_survives_pdf(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "greek.md", "# Ελληνικά\n\nΗ φωτοσύνθεση είναι διαδικασία. "
                                    "Photosynthèse est le processus des plantes vertes, naïve café.\n")])
    library.harvest_sync()
    out = library.generate("study-guide")
    text = pdf_text(library.export(out.id, tmp_path / "u.pdf"))
    assert "Ελληνικά" in text and "café" in text
