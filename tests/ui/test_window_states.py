"""First run, empty states, failures and the Help menu, driven as a person would."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.helpers import drop_files, wait_status


def test_empty_library_shows_a_drop_hint_lights_up_while_dragging_and_cannot_generate(make_app, qtbot, docs):
    app = make_app()
    w = app.window
    w.show()
    qtbot.waitExposed(w)
    hint = w.sources.empty_hint
    assert hint.isVisible() and "Drop files" in hint.text()
    assert not w.generate_action.isEnabled()
    assert not w.formats.generate_button.isEnabled()
    assert "Add sources" in w.formats.generate_button.toolTip()

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(docs / "biology.md"))])
    enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    assert w.sources.dragging and "dashed" in w.sources.tree.styleSheet()
    assert hint.text() == "Drop to add to your library"
    QApplication.sendEvent(w, QDragLeaveEvent())
    assert not w.sources.dragging and w.sources.tree.styleSheet() == ""

    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    assert not hint.isVisible()
    qtbot.waitUntil(w.generate_action.isEnabled)
    assert w.formats.generate_button.isEnabled()


def _bad_pdfs(folder, n: int) -> list:
    folder.mkdir()
    paths = []
    for i in range(n):
        p = folder / f"broken-{i}.pdf"
        p.write_bytes(b"%PDF-1.4\nthis is not really a PDF " + bytes([i]) * 200)
        paths.append(p)
    return paths


def test_a_failure_reads_in_full_under_the_table_and_its_menu_retries_removes_and_shows_the_file(
        make_app, qtbot, tmp_path):
    app = make_app()
    w = app.window
    w.show()
    (bad,) = _bad_pdfs(tmp_path / "bad", 1)
    drop_files(w, [bad])
    src = wait_status(qtbot, w, bad.name, "failed")
    assert src.error
    w.sources.select(src.id)
    problem = w.sources.problem
    assert problem.isVisible()
    assert src.error in problem.text() and bad.name in problem.text()  # the whole reason, not "Failed: the co…"
    # one fault, one line in the message bar
    qtbot.waitUntil(lambda: not w.runner.running("harvest"), timeout=20000)
    assert len(w.messages.lines) == 1 and bad.name in w.messages.lines[0]

    labels = [(label, enabled) for label, _sig, enabled in w.sources.context_actions(src.id)]
    assert labels == [("Retry", True), ("Remove", True), ("Show file", True)]
    menu = w.sources.build_context_menu(src.id)
    assert [a.text() for a in menu.actions()] == ["Retry", "Remove", "Show file"]

    opened: list[QUrl] = []
    w.open_url = lambda url: opened.append(url) or True
    menu.actions()[2].trigger()
    assert opened and opened[0].toLocalFile() == str(bad.parent)

    # Retry: the source is queued and read again (and fails again, for the same reason)
    seen: list[str] = []
    w.sources.tree.itemChanged.connect(lambda *_: seen.append(w.sources.sources[src.id].status))
    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: any(s in ("queued", "harvesting") for s in seen) or
                    w.sources.sources[src.id].status in ("queued", "harvesting"), timeout=10000)
    wait_status(qtbot, w, src.id, "failed")

    # Remove asks first; No keeps it, Yes removes it
    asked: list[str] = []
    w.confirm_remove = lambda parent, name: asked.append(name) or False
    menu.actions()[1].trigger()
    qtbot.wait(200)
    assert asked == [bad.name] and src.id in w.sources.sources
    w.confirm_remove = lambda parent, name: True
    w.sources.select(src.id)
    w.remove_action.trigger()
    qtbot.waitUntil(lambda: src.id not in w.sources.sources, timeout=10000)
    menu.deleteLater()


def test_a_folders_failures_are_one_line_with_details(make_app, qtbot, tmp_path):
    app = make_app()
    w = app.window
    folder = tmp_path / "course"
    bad = _bad_pdfs(folder, 3)
    (folder / "notes.md").write_text("# Notes\n\nOsmosis is the movement of water across a membrane.\n",
                                     encoding="utf-8")
    w.add_items([str(folder)])
    qtbot.waitUntil(lambda: w.messages.isVisible() and w.messages.action.isVisible(), timeout=60000)
    assert len(w.messages.lines) == 1
    assert w.messages.lines[0].startswith("3 of 4 items could not be read")
    assert w.messages.action.text() == "Details"
    shown: list[QMessageBox] = []
    w.run_dialog = lambda dialog: shown.append(dialog) or 0
    w.messages.action.click()
    assert shown and all(p.name in shown[0].detailedText() for p in bad)


def test_help_menu_about_shortcuts_and_welcome(make_app, qtbot):
    from harvest_desktop import __version__

    app = make_app()
    w = app.window
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles[-1] == "&Help"
    shown: list[QMessageBox] = []
    w.run_dialog = lambda dialog: shown.append(dialog) or 0
    w.about_action.trigger()
    assert __version__ in shown[-1].text() and "MIT" in shown[-1].text()
    w.shortcuts_action.trigger()
    text = shown[-1].text()
    for keys, what in (("Ctrl+O", "Add files"), ("Ctrl+G", "Generate"), ("Ctrl+F", "Search")):
        assert keys in text and what in text, (keys, text)
    w.welcome_action.trigger()
    dialog = w.welcome_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.accessibleName() == "Welcome"
    dialog.reject()


def test_words_plurals_times_and_time_left():
    from harvest_desktop.ui.text import human_time, plural, time_left

    assert plural(1, "item") == "1 item" and plural(2, "item") == "2 items" and plural(1597, "chunk") == "1,597 chunks"
    now = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc).astimezone()
    assert human_time(now.replace(hour=20, minute=45).isoformat(), now) == "today 20:45"
    assert human_time("2026-11-20T10:00:00", now.replace(tzinfo=None)) == "20 Nov"
    assert human_time("2025-03-02T10:00:00", now.replace(tzinfo=None)) == "2 Mar 2025"
    assert time_left(40) == "about 40 s left" and time_left(200) == "about 3 min left"


def test_a_job_row_says_count_and_time_left(qapp, qloop, qtbot):
    from harvest_desktop.core.progress import Progress
    from harvest_desktop.ui.jobs_panel import JobRow
    from harvest_desktop.ui.ops import Job

    job = Job("Harvesting", "harvest", qloop)
    row = JobRow(job)
    qtbot.addWidget(row)
    clock = [100.0]
    row.clock = lambda: clock[0]
    assert row.describe(Progress(0, 1597, "Embedding chunks")) == "Embedding chunks · 0/1,597"
    clock[0] = 110.0
    assert row.describe(Progress(340, 1597, "Embedding 340/1,597 chunks")) == \
        "Embedding 340/1,597 chunks · about 35 s left"


def test_a_job_row_starts_a_new_rate_for_each_stage(qapp, qloop, qtbot):
    from harvest_desktop.core.progress import Progress
    from harvest_desktop.ui.jobs_panel import JobRow
    from harvest_desktop.ui.ops import Job

    job = Job("Harvesting", "harvest", qloop)
    row = JobRow(job)
    qtbot.addWidget(row)
    clock = [0.0]
    row.clock = lambda: clock[0]
    row.describe(Progress(0, 10, "Reading pages"))
    clock[0] = 50.0
    assert row.describe(Progress(5, 10, "Reading pages")).endswith("about 50 s left")
    assert row.describe(Progress(0, None, "Analysing the text")) == "Analysing the text"
    clock[0] = 60.0
    assert row.describe(Progress(0, 1000, "Embedding 0/1,000 chunks")) == "Embedding 0/1,000 chunks"
    clock[0] = 62.0
    assert row.describe(Progress(500, 1000, "Embedding 500/1,000 chunks")).endswith("about 2 s left")


def test_concept_map_opens_large_fits_and_highlights_the_selected_concept(make_app, qtbot, docs):
    app = make_app()
    w = app.window
    w.resize(1024, 720)
    w.show()
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.find_concepts()
    qtbot.waitUntil(lambda: w.concepts.data is not None, timeout=60000)
    pane, view = w.concepts, w.concepts.map
    assert w.tabs.currentWidget() is pane
    qtbot.wait(50)
    table_h, map_h = pane.split.sizes()
    assert map_h > 150 and map_h > table_h, pane.split.sizes()  # not a 50 px strip behind the divider
    # fit to view: the whole map is inside the viewport
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(view.scene().itemsBoundingRect()), (shown, view.scene().itemsBoundingRect())
    view.zoom_by(2.0)
    assert not view.fitted
    pane.fit_button.click()
    assert view.fitted
    # the definition column gets more room than the term and the source
    widths = [pane.table.columnWidth(i) for i in range(3)]
    assert widths[1] >= max(widths[0], widths[2]), widths
    # selecting a concept marks its box and its lines
    term = next(t for t, _d, _c in pane.data.concepts if t in view.boxes)
    row = [t for t, _d, _c in pane.data.concepts].index(term)
    pane.table.selectRow(row)
    assert view.highlighted == term
    assert view.boxes[term].pen().width() == 3
    touching = [line for a, b, line in view.lines if term in (a, b)]
    others = [line for a, b, line in view.lines if term not in (a, b)]
    assert all(line.pen().width() == 3 for line in touching)
    assert all(line.pen().width() < 3 for line in others)


def test_search_results_show_the_query_words_in_bold(make_app, qtbot, docs):
    from harvest_desktop.ui.panes.search import QUERY_ROLE, highlight_html, terms

    assert terms("What is the chloroplast?") == ["chloroplast"]
    html = highlight_html("Chlorophyll sits in the chloroplast <membrane>.", "chloroplast chlorophyll")
    assert "<b>Chlorophyll</b>" in html and "<b>chloroplast</b>" in html and "&lt;membrane&gt;" in html
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.run_search("chlorophyll light")
    qtbot.waitUntil(lambda: w.search.results.count() > 0, timeout=20000)
    item = w.search.results.item(0)
    assert item.data(QUERY_ROLE) == "chlorophyll light"
    delegate = w.search.results.itemDelegate()
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(w.search.results)
    doc = delegate._doc(option, w.search.results.model().index(0, 0))
    assert "<b>" in highlight_html(item.text(), "chlorophyll light") and doc.toPlainText().strip()
    assert "passage" in w.search.summary.text() and "(s)" not in w.search.summary.text()
