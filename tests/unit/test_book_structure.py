"""Books read as books: structure, clean text and the page of every sentence, from PDF, EPUB, DOCX."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harvest_desktop.acquire.files import read_file
from harvest_desktop.core.document import Document
from harvest_desktop.index.chunking import chunk_document
from tests.books import make_book, squash, write_docx, write_epub, write_pdf


@pytest.fixture(scope="module")
def book():
    return make_book(pages=24, chapters=3, sections=3, seed=11)


@pytest.fixture(scope="module")
def pdf_with_outline(book, tmp_path_factory):
    path = tmp_path_factory.mktemp("books") / "with_outline.pdf"
    truth = write_pdf(book, path, outline=True)
    return read_file(path), truth


@pytest.fixture(scope="module")
def pdf_without_outline(book, tmp_path_factory):
    path = tmp_path_factory.mktemp("books") / "no_outline.pdf"
    truth = write_pdf(book, path, outline=False)
    return read_file(path), truth


def _headings(doc: Document) -> list[tuple[int, str, int | None]]:
    return [(b.level, b.text, b.page) for b in doc.blocks if b.kind == "heading"]


def _truth_headings(truth) -> list[tuple[int, str, int]]:
    return [(lv, text, page) for lv, text, _title, page in truth.headings]


def test_outline_gives_every_heading_with_level_and_page(pdf_with_outline):
    doc, truth = pdf_with_outline
    assert _headings(doc) == _truth_headings(truth)


def test_typography_alone_finds_the_headings(pdf_without_outline):
    doc, truth = pdf_without_outline
    found = _headings(doc)
    expected = _truth_headings(truth)
    hits = [h for h in expected if h in found]
    assert len(hits) / len(expected) >= 0.95, set(expected) - set(found)
    # nothing else is taken for a heading (the boxed feature's label, captions, running heads)
    assert len(found) <= len(expected) + 1, set(found) - set(expected)


@pytest.mark.parametrize("which", ["pdf_with_outline", "pdf_without_outline"])
def test_no_running_heads_or_page_numbers_in_chunks(which, request):
    doc, truth = request.getfixturevalue(which)
    chunks = chunk_document(doc)
    assert chunks
    running = set(truth.running)
    for c in chunks:
        if c.page == 1:
            continue  # the title page
        for r in running:
            assert r not in c.text, (r, c.text[:200])
        assert "Harvest Test Press" not in c.text
        assert "Principles of Everything" not in c.text
        # a running head's pieces either side of a page break
        assert not re.search(r"Chapter \d+\s+" + "|".join(re.escape(ch) for ch in ("Cell Structure",)) + r"\s+\d+",
                             c.text)
        assert not re.search(r"(^|\n)\s*\d{1,3}\s*($|\n)", c.text)


@pytest.mark.parametrize("which", ["pdf_with_outline", "pdf_without_outline"])
def test_every_sentence_whole_and_on_its_page(which, request):
    doc, truth = request.getfixturevalue(which)
    text = doc.text
    assert truth.hyphenated and truth.joined_across_pages >= 3  # the book does test both
    missing, wrong_page = [], []
    for sentence, page in truth.sentences:
        at = text.find(sentence)
        if at < 0:
            missing.append(sentence)
        elif doc.page_at(at) != page:
            wrong_page.append((sentence[:30], page, doc.page_at(at)))
    assert not missing, missing[:5]
    assert not wrong_page, wrong_page[:5]
    # reading order: the sentences come in the book's order (two-column chapter included)
    offsets = [text.find(s) for s, _ in truth.sentences]
    assert offsets == sorted(offsets)


def test_paragraphs_joined_across_page_breaks_keep_both_pages(pdf_with_outline):
    doc, truth = pdf_with_outline
    spanning = [b for b in doc.blocks if b.page_breaks]
    for first in truth.spanning:
        assert any(b.text.startswith(first) for b in spanning), first
    for b in spanning:
        assert b.kind == "paragraph" and b.page_end == b.page + 1


def test_captions_sidebars_and_glossary_are_marked_not_mixed_into_prose(pdf_with_outline):
    doc, truth = pdf_with_outline
    captions = [b.text for b in doc.blocks if b.kind == "caption"]
    for cap in truth.captions:
        assert cap in captions
    sidebars = [b.text for b in doc.blocks if b.kind == "sidebar"]
    for box in truth.boxes:
        assert any(box in squash(s) for s in sidebars), box
    prose = " ".join(b.text for b in doc.blocks if b.kind == "paragraph")
    assert "Figure " not in prose and "CONNECTIONS" not in prose and "Everyday link" not in prose
    terms = {(b.term, b.definition) for b in doc.blocks if b.kind == "term"}
    for term, definition in truth.glossary:
        assert (term, definition) in terms
    tables = [b.text for b in doc.blocks if b.kind == "table"]
    assert tables == truth.tables
    assert "Sample" not in prose
    assert [b.text for b in doc.blocks if b.kind == "list_item"] == ["\u2022 " + x for x in truth.list_items] \
        or [b.text for b in doc.blocks if b.kind == "list_item"] == truth.list_items
    assert [b.text for b in doc.blocks if b.kind == "reference"] == truth.references
    assert truth.footnotes and [b.text for b in doc.blocks if b.kind == "footnote"] == truth.footnotes


def test_chunks_carry_section_path_page_range_and_kind(pdf_with_outline):
    doc, _truth = pdf_with_outline
    chunks = chunk_document(doc)
    text_chunks = [c for c in chunks if c.kind == "text" and c.page > 1]  # after the title page
    assert text_chunks and all(c.heading_path for c in text_chunks)
    assert all(c.heading_path[0].startswith("Chapter ") for c in text_chunks)
    assert any(len(c.heading_path) == 3 for c in text_chunks)  # chapter > section > subsection
    assert all(c.page is not None and c.page_end is not None and c.page <= c.page_end for c in chunks)
    assert any(c.page_end > c.page for c in chunks)
    kinds = {c.kind for c in chunks}
    assert {"text", "caption", "sidebar", "glossary"} <= kinds
    for c in chunks:
        if c.kind == "text":
            assert "Figure " not in c.text and "CONNECTIONS" not in c.text


def test_readable_text_shows_headings_and_page_markers(pdf_with_outline):
    doc, _truth = pdf_with_outline
    shown = doc.readable_text()
    assert "# Chapter 1: " in shown and "## 1.1 " in shown and "### 1.2.1 " in shown
    assert "--- page 3 ---" in shown
    assert "[Caption] Figure 1.1 " in shown


def test_structure_survives_storage(pdf_with_outline):
    doc, _truth = pdf_with_outline
    again = Document.from_dict(doc.to_dict())
    assert [(b.kind, b.text, b.page, b.page_breaks, b.term) for b in again.blocks] == \
        [(b.kind, b.text, b.page, b.page_breaks, b.term) for b in doc.blocks]


@pytest.mark.parametrize("fmt", ["epub", "docx"])
def test_epub_and_docx_give_the_same_shape(book, pdf_with_outline, fmt, tmp_path):
    pdf_doc, truth = pdf_with_outline
    path = tmp_path / f"book.{fmt}"
    (write_epub if fmt == "epub" else write_docx)(book, path)
    doc = read_file(path)
    assert [(lv, t) for lv, t, _p in _headings(doc)] == [(lv, t) for lv, t, _p in _headings(pdf_doc)]
    assert {b.text for b in doc.blocks if b.kind == "caption"} >= set(truth.captions)
    assert [b.text for b in doc.blocks if b.kind == "table"] == truth.tables
    assert [b.text for b in doc.blocks if b.kind == "list_item"] == truth.list_items
    assert [b.text for b in doc.blocks if b.kind == "reference"] == truth.references
    assert {(b.term, b.definition) for b in doc.blocks if b.kind == "term"} >= set(truth.glossary)
    assert [b.text for b in doc.blocks if b.kind == "sidebar"] == ["CONNECTIONS\n" + box for box in truth.boxes]
    text = doc.text
    assert all(s in text for s, _ in truth.sentences)
    chunks = chunk_document(doc)
    assert all(c.heading_path for c in chunks if c.kind == "text")


def test_epub_headings_come_from_its_navigation_document(book, pdf_with_outline, tmp_path):
    """Chapter titles only in the nav, sections one level too deep in the text: the nav decides."""
    pdf_doc, _truth = pdf_with_outline
    path = tmp_path / "nav-only.epub"
    write_epub(book, path, headings_in_text=False)
    doc = read_file(path)
    assert [(lv, t) for lv, t, _p in _headings(doc)] == [(lv, t) for lv, t, _p in _headings(pdf_doc)]
    assert "Contents" not in doc.text  # the navigation document is not read as a chapter


def test_docx_text_box_is_a_sidebar_not_prose(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_heading("Chapter 1: Boxes", level=1)
    para = d.add_paragraph("Body text beside the box.")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    para._p.append(parse_xml(
        f'<w:r xmlns:w="{w}" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        "<w:pict><wps:txbx><w:txbxContent><w:p><w:r><w:t>KEY IDEA</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Boxes hold asides.</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:pict></w:r>"))
    d.save(str(tmp_path / "box.docx"))
    doc = read_file(tmp_path / "box.docx")
    assert [(b.kind, b.text) for b in doc.blocks if b.kind != "heading"] == [
        ("sidebar", "KEY IDEA\nBoxes hold asides."), ("paragraph", "Body text beside the box.")]


def test_markdown_and_html_hand_on_the_same_shape(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Chapter 1: Cells\n\n## 1.1 Parts\n\nThe membrane holds the cell together.\n\n"
                  "Figure 1.1 A cell under the microscope.\n\n## 1.2 Key Terms\n\n"
                  "- **membrane**: the boundary of a cell.\n- **nucleus**: the cell's control centre.\n\n"
                  "## References\n\nAuthor, A. (2001). Cells. Journal of Cells, 1, 1-9.\n", encoding="utf-8")
    html = tmp_path / "notes.html"
    html.write_text("<html><body><h1>Chapter 1: Cells</h1><h2>1.1 Parts</h2><p>The membrane holds the cell "
                    "together.</p><figure><figcaption>Figure 1.1 A cell under the microscope.</figcaption></figure>"
                    "<h2>1.2 Key Terms</h2><dl><dt>membrane</dt><dd>the boundary of a cell.</dd><dt>nucleus</dt>"
                    "<dd>the cell's control centre.</dd></dl><h2>References</h2><p>Author, A. (2001). Cells. "
                    "Journal of Cells, 1, 1-9.</p></body></html>", encoding="utf-8")
    shapes = []
    for path in (md, html):
        doc = read_file(path)
        shapes.append([(b.kind, b.level if b.kind == "heading" else 0, b.term or b.text, list(b.heading_path))
                       for b in doc.blocks])
        terms = [(b.term, b.definition) for b in doc.blocks if b.kind == "term"]
        assert terms == [("membrane", "the boundary of a cell."), ("nucleus", "the cell's control centre.")]
        assert [b.kind for b in doc.blocks if b.text.startswith("Figure 1.1")] == ["caption"]
        assert [b.kind for b in doc.blocks if b.text.startswith("Author, A.")] == ["reference"]
    assert shapes[0] == shapes[1]


def test_character_rectangles_path_gives_the_same_book(book, pdf_with_outline, tmp_path, monkeypatch):
    """Pages whose text indices cannot be trusted (characters outside the BMP) are read through
    pdfium's text rectangles instead; the book comes out the same."""
    from harvest_desktop.acquire import pdf_layout

    doc, truth = pdf_with_outline
    path = tmp_path / "again.pdf"
    write_pdf(book, path, outline=True)
    monkeypatch.setattr(pdf_layout, "_text_lines", lambda *a, **k: None)
    again = read_file(path)
    assert _headings(again) == _headings(doc)
    text = again.text
    found = sum(1 for s, _p in truth.sentences if s in text)
    assert found / len(truth.sentences) >= 0.98


def test_an_outline_that_points_nowhere_is_ignored_for_the_typography(pdf_without_outline):
    """Bookmarks all aimed at page 1 (a broken outline): the typography gives the headings."""
    from harvest_desktop.acquire.pdf_layout import PageLayout
    from harvest_desktop.acquire.pdf_structure import build_blocks

    doc, truth = pdf_without_outline
    path = Path(doc.attribution.location)
    import pypdfium2 as pdfium

    from harvest_desktop.acquire.pdf_layout import read_page_layout

    pdf = pdfium.PdfDocument(str(path))
    pages: list[PageLayout] = []
    for i in range(len(pdf)):
        page = pdf[i]
        tp = page.get_textpage()
        pages.append(read_page_layout(page, tp, i))
        tp.close()
        page.close()
    pdf.close()
    broken = [(lv, title, 0, None) for lv, _text, title, _page in truth.headings]
    blocks, stats = build_blocks(pages, broken)
    assert stats.outline_ignored
    found = [(b.level, b.text, b.page) for b in blocks if b.kind == "heading"]
    assert [h for h in _truth_headings(truth) if h in found] == _truth_headings(truth)
