"""Cancel stops a book's harvest at once, leaves it Cancelled (not silently queued), and Resume reads it."""

from __future__ import annotations

import time

from tests.ui.helpers import wait_status


def test_cancel_lands_quickly_and_the_book_waits_cancelled_for_resume(make_app, qtbot, tmp_path):
    from tests.books import make_book, write_pdf

    pdf = tmp_path / "big-book.pdf"
    write_pdf(make_book(pages=60, chapters=3, sections=3), pdf)
    app = make_app()
    w = app.window
    messages: list[str] = []
    w.add_items([str(pdf)])
    qtbot.waitUntil(lambda: bool(w.runner.running("harvest")), timeout=20000)
    job = w.runner.running("harvest")[0]
    job.progressed.connect(lambda p: messages.append(p.message))
    src = wait_status(qtbot, w, pdf.name, "harvesting", timeout=20000)
    qtbot.waitUntil(lambda: any(m.startswith(("Reading", "Analysing", "Embedding")) for m in messages),
                    timeout=20000)
    row = w.jobs.rows[id(job)]
    pressed = time.monotonic()
    row.cancel_button.click()
    qtbot.waitUntil(lambda: job.state != "running", timeout=2000)  # the bar: within 2 s
    stopped = time.monotonic() - pressed
    print(f"cancel took {stopped:.2f} s; stages seen: {sorted(set(m.split(' ')[0] for m in messages))}")
    src = wait_status(qtbot, w, src.id, "cancelled", timeout=5000)
    assert w.sources.status_of(src.id) == "Cancelled (Resume to read it)"
    assert src.id not in {s.id for s in app.library.sources.pending()}  # a relaunch does not restart it
    w.sources.select(src.id)
    assert w.sources.retry_button.isVisible() and w.sources.retry_button.text() == "Resume"
    assert [label for label, _s, _e in w.sources.context_actions(src.id)] == ["Resume", "Remove", "Show file"]
    w.sources.retry_button.click()
    qtbot.waitUntil(lambda: w.sources.sources[src.id].status in ("queued", "harvesting"), timeout=10000)
    qtbot.waitUntil(lambda: bool(w.runner.running("harvest")), timeout=10000)
    resumed = w.runner.running("harvest")[0]
    later: list[str] = []
    resumed.progressed.connect(lambda p: later.append(p.message))
    wait_status(qtbot, w, src.id, "ready", timeout=300000)
    assert any(m.startswith("Embedding") and "chunks" in m for m in later), later  # stage by stage
