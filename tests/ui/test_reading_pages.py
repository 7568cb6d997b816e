"""While a PDF is read (in the contained reader process) the harvest job reports its pages."""

from __future__ import annotations

import re

from tests.ui.helpers import wait_status


def test_the_reader_process_reports_pages_and_the_jobs_panel_shows_them(make_app, qtbot, tmp_path):
    from tests.books import make_book, write_pdf

    pdf = tmp_path / "reader-book.pdf"
    write_pdf(make_book(pages=120, chapters=3, sections=2), pdf)  # long enough to read for a second or more
    import pypdfium2

    n = len(pypdfium2.PdfDocument(str(pdf)))  # the book's real length (the maker aims near 120)
    app = make_app()
    w = app.window
    seen: list = []
    shown: list[str] = []

    def started(job) -> None:  # every harvest job (one may start before the book is queued)
        if job.kind != "harvest":
            return

        def on_progress(p) -> None:
            seen.append(p)
            row = w.jobs.rows.get(id(job))
            if "page" in p.message and row is not None:
                shown.append(f"{row.bar.value()}/{row.bar.maximum()} {row.detail.text()}")

        job.progressed.connect(on_progress)

    w.runner.job_started.connect(started)
    w.add_items([str(pdf)])
    wait_status(qtbot, w, pdf.name, "ready", timeout=300000)
    reading = [p for p in seen if re.search(rf"Reading reader-book\.pdf: (page \d+ of {n}|{n} pages read)", p.message)]
    assert reading, [p.message for p in seen]
    assert all(p.total == n for p in reading)
    done = [p.done for p in reading]
    assert done == sorted(done) and len(set(done)) >= 3  # page by page (coalesced on the way: some may merge)
    assert reading[-1].message.endswith(f"{n} pages read") and reading[-1].done == n
    assert any(re.match(rf"\d+/{n} Reading reader-book\.pdf: page \d+ of {n}", s) for s in shown), shown


def test_pages_come_from_the_worker_process(tmp_path):
    import os

    from harvest_desktop.acquire import sandbox
    from harvest_desktop.core.settings import HarvestLimits
    from tests.books import make_book, write_pdf

    pdf = tmp_path / "b.pdf"
    write_pdf(make_book(pages=12, chapters=1, sections=2), pdf)
    import pypdfium2

    n = len(pypdfium2.PdfDocument(str(pdf)))
    heard: list[tuple[int, int, str, int]] = []
    doc = sandbox.read_file_contained(pdf, HarvestLimits(), pages=lambda d, t, w: heard.append((d, t, w, os.getpid())))
    assert doc.pages == n
    assert heard and heard[-1][:3] == (n, n, "read") and all(h[1] == n for h in heard)
    assert heard[0][0] == 0  # the first page is reported as it starts
    assert all(h[3] == os.getpid() for h in heard)  # relayed to this process's callback
