"""A textbook PDF harvested into a real library: chunks keep chapter > section paths, page ranges and
kinds, and hold no running heads, footers or page numbers."""

from __future__ import annotations

from harvest_desktop.store import models as m
from tests.books import make_book, write_pdf


def test_book_chunks_in_the_library(library, tmp_path):
    path = tmp_path / "textbook.pdf"
    truth = write_pdf(make_book(pages=16, chapters=2, sections=3, seed=5), path, outline=False)
    library.enqueue([path])
    results = library.harvest_sync()
    assert [r.ok for r in results] == [True], results
    src = library.sources()[0]
    assert src.status == m.READY and src.pages == truth.pages
    chunks = library.chunks()
    body = [c for c in chunks if c.page and c.page > 2]
    assert body
    for c in body:
        assert c.heading_path.startswith("Chapter ") or c.heading_path == "References", c.heading_path
        assert c.page_end is not None and c.page_end >= c.page
        assert c.kind in ("text", "caption", "sidebar", "table", "glossary", "references", "notes")
        assert (c.kind == "references") == (c.heading_path == "References")
        for running in truth.running:
            assert running not in c.text
    assert any(c.page_end > c.page for c in body)
    assert {"text", "caption", "sidebar", "table", "glossary", "references"} <= {c.kind for c in body}
    # the page of a sentence, as a citation gives it
    sentence, page = truth.sentences[len(truth.sentences) // 2]
    holder = next(c for c in chunks if sentence in c.text)
    assert holder.page <= page <= holder.page_end
    doc = library.document(src.id)
    assert doc.page_at(doc.text.find(sentence)) == page
