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
    content = json.loads(output.content_json)
    concepts = [c for part in content["parts"] for c in part["key_concepts"]]
    found = [c["term"] for c in concepts if c["term"].lower() in text.lower()]
    assert concepts and len(found) == len(concepts)
    assert "Review questions" in text and "[Photosynthesis" in text


def test_markdown_export_is_the_output_markdown(library, output, tmp_path):
    target = library.export(output.id, tmp_path / "guide.md")
    assert target.read_text(encoding="utf-8") == output.markdown


def test_json_export_carries_structure(library, output, tmp_path):
    data = json.loads(library.export(output.id, tmp_path / "guide.json").read_text(encoding="utf-8"))
    assert data["content"]["parts"] and data["content"]["kind"] == "study-guide" and data["engine"] == "builtin"


def test_existing_file_is_never_silently_overwritten(library, output, tmp_path):
    target = tmp_path / "guide.md"
    target.write_text("my own notes")
    with pytest.raises(KnownError) as info:
        library.export(output.id, target)
    assert "already exists" in str(info.value)
    assert target.read_text() == "my own notes"
    library.export(output.id, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == output.markdown
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
