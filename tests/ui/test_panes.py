"""Concepts map, drop parsing, status names, ops runner outcomes."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QUrl

from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import Progress
from tests.ui.helpers import drop_files, wait_status


def test_concepts_table_map_and_image_exports(make_app, docs, qtbot, tmp_path):
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.find_concepts()
    qtbot.waitUntil(lambda: w.concepts.data is not None, timeout=30000)
    terms = [t.lower() for t, _, _ in w.concepts.data.concepts]
    assert any("photosynthesis" in t for t in terms)
    assert w.concepts.table.rowCount() == len(terms)
    assert len(w.concepts.map.scene().items()) >= len(terms)
    from harvest_desktop.understand import concepts as understand

    if not hasattr(understand, "extract_relations"):
        assert "not available" in w.concepts.note.text()
    before = w.concepts.map.zoom
    w.concepts.zoom_in.click()
    assert w.concepts.map.zoom > before
    png = w.concepts.map.export_png(tmp_path / "map.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = w.concepts.map.export_svg(tmp_path / "map.svg")
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "hotosynthesis" in text


def test_dropped_links_and_uri_lists_become_items(qapp, tmp_path):
    from harvest_desktop.ui.dnd import items_from_mime

    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/a"), QUrl.fromLocalFile(str(tmp_path / "x.md"))])
    assert items_from_mime(mime) == ["https://example.org/a", str(tmp_path / "x.md")]
    plain = QMimeData()
    plain.setText("# comment\nhttps://example.org/b\n\nfile:///tmp/y%20z.md\n")
    assert items_from_mime(plain) == ["https://example.org/b", "/tmp/y z.md"]


def test_runner_outcomes_reach_the_main_thread(qapp, qloop, qtbot, bugs):
    import threading

    from harvest_desktop.ui.ops import CANCELLED, DONE, FAILED, JobRunner

    runner = JobRunner(qloop, on_bug=bugs.append)
    main = threading.get_ident()
    seen_threads: list[int] = []
    errors: list[str] = []
    runner.known_error.connect(errors.append)

    def work(token, report):
        for i in range(50):
            report(Progress(i + 1, 50, f"step {i}"))
        return threading.get_ident()

    job = runner.run("Counting", work)
    job.progressed.connect(lambda p: seen_threads.append(threading.get_ident()))
    results: list[BaseException] = []
    qtbot.waitUntil(lambda: job.state != "running", timeout=10000)
    assert job.state == DONE and job.last == Progress(50, 50, "step 49")
    assert seen_threads and set(seen_threads) == {main}

    def known(token, report):
        raise KnownError("the disk is full", item="notes.md", hint="free some space")

    failed = runner.run("Writing", known, on_failure=results.append)
    qtbot.waitUntil(lambda: failed.state != "running", timeout=10000)
    assert failed.state == FAILED and errors == ["Writing: notes.md: the disk is full (free some space)"]

    def slow(token, report):
        import time

        while True:
            token.check()
            time.sleep(0.005)

    cancelled = runner.run("Waiting", slow)
    cancelled.cancel()
    qtbot.waitUntil(lambda: cancelled.state != "running", timeout=10000)
    assert cancelled.state == CANCELLED and len(errors) == 1

    def bug(token, report):
        raise ValueError("a bug")

    broken = runner.run("Broken", bug)
    qtbot.waitUntil(lambda: broken.state != "running", timeout=10000)
    assert broken.state == FAILED and len(bugs) == 1 and isinstance(bugs[0], ValueError)
    bugs.clear()
    task = qloop.create_task(runner.aclose())
    qtbot.waitUntil(task.done, timeout=10000)
    assert not [t for t in threading.enumerate() if t.name.startswith("harvest-ui")]


def test_a_worker_never_holds_the_last_reference_to_its_job(qapp, qloop, qtbot, bugs):
    """A finished job's QObject must die on the main thread: the worker's `report` holds no strong ref."""
    import gc
    import threading
    import weakref

    from harvest_desktop.ui.ops import DONE, JobRunner

    runner = JobRunner(qloop, on_bug=bugs.append)
    kept: list = []  # what a worker thread still holds after its work returned
    deleted_on: list[int] = []

    def work(token, report):
        report(Progress(1, 1, "done"))
        kept.append(report)
        return 1

    job = runner.run("Holding on", work)
    qtbot.waitUntil(lambda: job.state != "running", timeout=10000)
    assert job.state == DONE and job.last == Progress(1, 1, "done")
    alive = weakref.ref(job)
    job.destroyed.connect(lambda *_: deleted_on.append(threading.get_ident()))
    del job
    gc.collect()
    assert alive() is None, "the report callable a worker kept still holds the Job"
    assert deleted_on == [threading.get_ident()]  # freed here, on the main thread
    kept[0](Progress(2, 2, "late"))  # a late report after the Job is gone is dropped quietly

    # Nor does it hold the last reference to a widget the work function's closure captured.
    from PySide6.QtCore import QObject

    held = QObject()
    held_deleted_on: list[int] = []
    held.destroyed.connect(lambda *_: held_deleted_on.append(threading.get_ident()))
    gate = threading.Event()

    def uses_widget(token, report, _w=held):
        gate.wait(10)
        return _w.objectName()

    other = runner.run("Borrowing a widget", uses_widget)
    del uses_widget, held
    gate.set()
    qtbot.waitUntil(lambda: other.state != "running", timeout=10000)
    del other
    runner.executor.shutdown(wait=True)  # the worker has let go of everything it was given
    gc.collect()
    qtbot.waitUntil(lambda: bool(held_deleted_on), timeout=5000)
    assert held_deleted_on == [threading.get_ident()]
    assert not bugs
