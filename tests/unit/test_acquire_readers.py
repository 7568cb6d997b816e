"""Every supported format read with structure kept; hostile files each fail alone with a named reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest_desktop.acquire import sandbox
from harvest_desktop.acquire.files import SUPPORTED_SUFFIXES, is_supported, read_file
from harvest_desktop.core.errors import BadInput, KnownError, LimitExceeded, UnsupportedFormat
from harvest_desktop.core.settings import HarvestLimits
from tests.fixtures_acquire.make import MARK, write_all_formats, write_hostile, write_scanned_pdf


@pytest.fixture(scope="module")
def formats(tmp_path_factory) -> dict[str, Path]:
    return write_all_formats(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return write_hostile(tmp_path_factory.mktemp("hostile"))


def blocks(doc):
    return [(b.kind, b.level, b.page, b.heading_path, b.text) for b in doc.blocks]


def test_supported_suffixes():
    for s in (".pdf", ".docx", ".pptx", ".epub", ".html", ".htm", ".md", ".txt", ".rtf", ".odt", ".csv"):
        assert s in SUPPORTED_SUFFIXES and is_supported(Path("x" + s.upper()))
    assert not is_supported(Path("x.exe"))


def test_pdf_pages_and_metadata(formats):
    doc = read_file(formats["pdf"])
    assert doc.pages == 2 and doc.title == "Cell Biology Notes"
    assert doc.attribution.author == "Dana Rivers" and doc.attribution.mime == "application/pdf"
    assert MARK in doc.blocks[0].text and doc.blocks[0].page == 1
    assert any(b.page == 2 and "nucleus" in b.text for b in doc.blocks)
    for b in doc.blocks:  # offsets point into the joined text
        assert doc.text[b.start:b.end] == b.text


def test_docx_headings_lists_tables(formats):
    doc = read_file(formats["docx"])
    assert doc.title == "Enzymes Handout" and doc.attribution.author == "Priya Natarajan"
    got = blocks(doc)
    assert ("heading", 1, None, (), "Enzymes") in got
    assert ("heading", 2, None, ("Enzymes",), "Factors") in got
    assert ("list_item", 1, None, ("Enzymes", "Factors"), "Temperature changes the rate") in got
    table = next(b for b in doc.blocks if b.kind == "table")
    assert "Amylase | Starch" in table.text


def test_pptx_slides_are_pages(formats):
    doc = read_file(formats["pptx"])
    assert doc.pages == 2 and doc.title == "Plate Tectonics" and doc.attribution.author == "Leo Martins"
    got = blocks(doc)
    assert ("heading", 1, 1, (), "Plate boundaries") in got
    assert ("list_item", 2, 1, ("Plate boundaries",), "Mid-ocean ridges form there") in got
    assert any(k == "quote" and "Iceland" in t for k, _, _, _, t in got)  # speaker notes kept
    assert ("heading", 1, 2, (), "Earthquakes") in got


def test_epub_chapters_in_spine_order(formats):
    doc = read_file(formats["epub"])
    a = doc.attribution
    assert (doc.title, a.author, a.published, a.license) == ("A Short History of Tea", "Mei Chen", "2019-06-01",
                                                             "CC BY 4.0")
    heads = [b.text for b in doc.blocks if b.kind == "heading"]
    assert heads == ["Origins", "Trade"]
    li = next(b for b in doc.blocks if b.kind == "list_item")
    assert li.heading_path == ("Origins",) and li.text == "Camellia sinensis is the tea plant"


def test_odt_structure_and_meta(formats):
    doc = read_file(formats["odt"])
    assert doc.title == "Volcano Notes" and doc.attribution.author == "Ana Ruiz"
    assert doc.attribution.published == "2021-03-04"
    got = blocks(doc)
    assert ("paragraph", 0, None, ("Volcanoes",), "Magma rises through cracks in the crust of the Earth.") in got
    assert ("list_item", 1, None, ("Volcanoes", "Types"), "Stratovolcanoes are steep") in got
    assert any(k == "table" and "Etna | Italy" in t for k, _, _, _, t in got)


def test_html_file_main_text(formats):
    doc = read_file(formats["html"])
    assert doc.title == "How Bees Communicate"
    assert "waggle dance" in doc.text and "Accept all cookies" not in doc.text
    assert "All rights reserved" not in doc.text
    assert doc.attribution.license and "by-sa" in doc.attribution.license


def test_markdown_rtf_csv(formats):
    md = read_file(formats["md"])
    assert ("list_item", 1, None, ("Rivers", "Deltas"), "Nile delta") in blocks(md)
    rtf = read_file(formats["rtf"])
    assert [b.text for b in rtf.blocks][:2] == ["Glaciers carve U-shaped valleys.",
                                                "Moraines are ridges of debris left by glaciers."]
    assert "Café au lait." in rtf.text
    csv = read_file(formats["csv"])
    assert "element: Helium; symbol: He; number: 2" in csv.text
    assert all(b.kind == "table" for b in csv.blocks)


@pytest.mark.parametrize("key, expected", [
    ("utf8", "Naïve café résumé."),
    ("utf16", "Ünïcödé."),
    ("cp1252", "Crème brûlée is dessert; naïve résumé."),
])
def test_text_in_common_encodings(formats, key, expected):
    assert expected in read_file(formats[key]).text


def test_scanned_pdf_is_ocrd(tmp_path):
    doc = read_file(write_scanned_pdf(tmp_path / "scan.pdf"))
    assert "HARVEST" in doc.text.upper() and "SCANNED" in doc.text.upper()
    assert doc.blocks[0].page == 1


def test_scanned_pdf_without_tesseract_explains_how(tmp_path, monkeypatch):
    from harvest_desktop.acquire import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(BadInput) as err:
        read_file(write_scanned_pdf(tmp_path / "scan.pdf"))
    assert "Tesseract" in str(err.value) and "apt install tesseract-ocr" in str(err.value)


def test_unsupported_and_missing(tmp_path):
    (tmp_path / "a.exe").write_bytes(b"MZ")
    with pytest.raises(UnsupportedFormat):
        read_file(tmp_path / "a.exe")
    with pytest.raises(BadInput):
        read_file(tmp_path / "nope.pdf")


def test_pdf_named_txt_is_read_as_pdf(formats, tmp_path):
    p = tmp_path / "actually.txt"
    p.write_bytes(formats["pdf"].read_bytes())
    assert MARK in read_file(p).text


HOSTILE_EXPECT = {
    "empty.pdf": (BadInput, "empty"),
    "empty.docx": (BadInput, "empty"),
    "truncated.pdf": (BadInput, "damaged or truncated"),
    "truncated.docx": (BadInput, "not a valid DOCX"),
    "random.pdf": (BadInput, "not a PDF"),
    "random.docx": (BadInput, "not a valid DOCX"),
    "random.epub": (BadInput, "not a valid EPUB"),
    "random.txt": (BadInput, "not text"),
    "password.pdf": (BadInput, "password-protected"),
    "bomb.docx": (LimitExceeded, "max zip ratio"),
    "bomb.epub": (LimitExceeded, "max zip ratio"),
    "laughs.docx": (BadInput, "entity"),
    "laughs.odt": (BadInput, "entit"),
    "long_line.txt": (LimitExceeded, "max characters"),
    "deep.html": (BadInput, "deep.html"),
}


def test_hostile_files_each_fail_alone_in_the_sandbox(hostile):
    limits = HarvestLimits(parse_timeout_s=30)
    outcomes: dict[str, object] = {}
    for name, path in sorted(hostile.items()):
        try:
            outcomes[name] = sandbox.read_file_contained(path, limits)
        except KnownError as exc:
            outcomes[name] = exc
    for name, (kind, words) in HOSTILE_EXPECT.items():
        assert isinstance(outcomes[name], kind), (name, outcomes[name])
        assert words in str(outcomes[name]), (name, str(outcomes[name]))
        assert name in str(outcomes[name])
    latin = outcomes["latin1.md"]
    assert not isinstance(latin, Exception) and "crème on top" in latin.text  # wrong-encoding file still reads


def test_zip_limits_are_settings(hostile):
    small = HarvestLimits(max_decompressed_bytes=1024 * 1024, max_zip_ratio=10_000)
    with pytest.raises(LimitExceeded) as err:
        read_file(hostile["bomb.docx"], small)
    assert "max decompressed bytes" in str(err.value)


def test_file_size_and_page_limits(formats):
    with pytest.raises(LimitExceeded) as err:
        read_file(formats["pdf"], HarvestLimits(max_file_bytes=100))
    assert "max file size" in str(err.value)
    with pytest.raises(LimitExceeded) as err:
        read_file(formats["pdf"], HarvestLimits(max_pages=1))
    assert "max pages" in str(err.value)
    with pytest.raises(LimitExceeded) as err:
        read_file(formats["pptx"], HarvestLimits(max_pages=1))
    assert "max pages" in str(err.value)
