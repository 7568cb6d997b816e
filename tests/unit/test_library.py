from __future__ import annotations

import sqlite3

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.progress import Progress
from harvest_desktop.store import models as m
from tests.samples import PHOTOSYNTHESIS_MD, write_markdown, write_pdf


def test_harvest_markdown_keeps_structure_and_offsets(library, tmp_path):
    path = write_markdown(tmp_path / "photo.md")
    queued, problems = library.enqueue([path])
    assert problems == [] and len(queued) == 1
    results = library.harvest_sync()
    assert [r.ok for r in results] == [True]
    src = library.sources()[0]
    assert src.status == m.READY and src.title == "Photosynthesis"
    doc = library.document(src.id)
    text = doc.text
    for block in doc.blocks:
        assert text[block.start:block.end] == block.text
    chunks = library.chunks()
    assert any(c.heading_path == "Photosynthesis > Calvin cycle" and "RuBisCO" in c.text for c in chunks)
    for c in chunks:
        assert c.text.split("\n")[0] in text[c.start:c.end]


def test_pdf_pages_are_kept_for_citations(library, tmp_path):
    path = write_pdf(tmp_path / "volcanoes.pdf")
    library.enqueue([path])
    library.harvest_sync()
    src = library.sources()[0]
    assert src.status == m.READY and src.pages == 4
    pages = {c.page for c in library.chunks() if "Seismometers" in c.text}
    assert pages == {4}


def test_one_broken_file_does_not_stop_the_batch(library, tmp_path):
    good = write_markdown(tmp_path / "good.md")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_text("this is not a pdf at all, just words")
    odd = tmp_path / "table.xyz"
    odd.write_text("something")
    library.enqueue([good, empty, fake_pdf, odd])
    results = {r.location.rsplit("/", 1)[-1]: r for r in library.harvest_sync()}
    assert results["good.md"].ok
    assert not results["empty.txt"].ok and "empty" in results["empty.txt"].message
    assert not results["fake.pdf"].ok and "not a PDF" in results["fake.pdf"].message
    assert not results["table.xyz"].ok and "not supported" in results["table.xyz"].message
    statuses = {s.name: s.status for s in library.sources()}
    assert statuses == {"good.md": "ready", "empty.txt": "failed", "fake.pdf": "failed", "table.xyz": "failed"}


def test_exact_duplicate_is_reported_not_stored_twice(library, tmp_path):
    a = write_markdown(tmp_path / "a.md")
    b = tmp_path / "copy with other name.md"
    # Same words, different line breaks and case: still the same text.
    b.write_text(PHOTOSYNTHESIS_MD.replace("\n", "\n\n").upper().replace("# ", "# "), encoding="utf-8")
    library.enqueue([a])
    library.harvest_sync()
    library.enqueue([b])
    results = library.harvest_sync()
    assert results[0].ok and "duplicate of #1 a.md" in results[0].message
    dup = library.find_source("copy with other name.md")
    assert dup.status == m.DUPLICATE and dup.duplicate_of == 1
    assert {c.source_id for c in library.chunks()} == {1}


def test_readding_an_unchanged_file_is_a_no_op(library, tmp_path):
    path = write_markdown(tmp_path / "a.md")
    library.enqueue([path])
    library.harvest_sync()
    queued, problems = library.enqueue([path])
    assert queued == [] and "unchanged" in problems[0].message
    path.write_text(PHOTOSYNTHESIS_MD + "\nA new closing paragraph about leaves and light.\n")
    queued, _ = library.enqueue([path])
    assert len(queued) == 1


def test_items_left_harvesting_by_a_crash_are_resumed(library, tmp_path):
    path = write_markdown(tmp_path / "a.md")
    queued, _ = library.enqueue([path])
    library.sources._set_status(queued[0].id, m.HARVESTING, None)  # as a killed process leaves it
    assert [s.id for s in library.pending()] == [queued[0].id]
    results = library.harvest_sync()
    assert results[0].ok and library.source(queued[0].id).status == m.READY


def test_cancel_leaves_items_queued(library, tmp_path):
    paths = [write_markdown(tmp_path / f"n{i}.md", PHOTOSYNTHESIS_MD + f"\nVariant {i}.\n") for i in range(3)]
    library.enqueue(paths)
    token = CancelToken()
    token.cancel()
    try:
        library.harvest_sync(cancel=token)
    except Exception as exc:  # Cancelled
        assert exc.__class__.__name__ == "Cancelled"
    assert {s.status for s in library.sources()} == {m.QUEUED}


def test_progress_reaches_total(library, tmp_path):
    paths = [write_markdown(tmp_path / f"p{i}.md", PHOTOSYNTHESIS_MD + f"\nNote {i}.\n") for i in range(3)]
    library.enqueue(paths)
    seen: list[Progress] = []
    library.harvest_sync(progress=seen.append)
    assert seen[0].done == 0 and seen[-1].done == seen[-1].total == 3


def test_remove_deletes_text_and_chunks(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "a.md")])
    library.harvest_sync()
    library.remove(1)
    assert library.sources() == [] and library.chunks() == []
    conn = sqlite3.connect(library.db.path)
    assert conn.execute("SELECT count(*) FROM document").fetchone()[0] == 0
    conn.close()


def test_missing_and_non_http_items_are_explained(library, tmp_path):
    queued, problems = library.enqueue([tmp_path / "nope.md", "ftp://example.org/x.txt", tmp_path])
    assert queued == []
    messages = " | ".join(p.message for p in problems)
    assert "no such file" in messages and "only http and https" in messages and "no supported files" in messages


def test_two_copies_in_one_batch_are_stored_once(library, tmp_path):
    a = write_markdown(tmp_path / "a.md")
    b = write_markdown(tmp_path / "b.md")
    library.enqueue([a, b])
    results = library.harvest_sync()
    assert sorted(r.status for r in results) == [m.DUPLICATE, m.READY]
    assert len({c.source_id for c in library.chunks()}) == 1


def test_readable_text_shows_headings_and_pages(library, tmp_path):
    library.enqueue([write_markdown(tmp_path / "photo.md"), write_pdf(tmp_path / "volcanoes.pdf")])
    library.harvest_sync()
    md = library.document(library.find_source("photo.md").id).readable_text()
    assert "# Photosynthesis" in md and "## Calvin cycle" in md
    pdf = library.document(library.find_source("volcanoes.pdf").id).readable_text()
    assert pdf.index("--- page 1 ---") < pdf.index("--- page 4 ---") < pdf.index("Seismometers")


def test_readable_text_fences_code_so_a_hash_line_is_not_a_heading(library, tmp_path):
    src = tmp_path / "cpp.md"
    src.write_text("# Macros\n\nA program starts with its includes.\n\n```\n#include <vector>\n#define SQ(a) (a)*(a)\n```\n\n"
                   "The macro squares its argument.\n", encoding="utf-8")
    library.enqueue([src])
    library.harvest_sync()
    shown = library.document(library.find_source("cpp.md").id).readable_text()
    lines = shown.splitlines()
    assert [ln for ln in lines if ln.startswith("# ")] == ["# Macros"]
    i = lines.index("#include <vector>")
    assert lines[i - 1] == "```" and lines[i + 1] == "#define SQ(a) (a)*(a)" and lines[i + 2] == "```"
