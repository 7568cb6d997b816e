"""Restart, resume, cancel, failures, keys, shortcuts and accessibility of the main window."""

from __future__ import annotations

import keyring
import pytest
from tests.ai_helpers import trusted_memory_keyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QGraphicsView, QHeaderView,
                               QLineEdit, QPlainTextEdit, QTabWidget, QTextEdit, QWidget)

from tests.ui.helpers import BIOLOGY, drop_files, wait_status


def test_restart_finds_library_outputs_and_geometry(make_app, docs, qtbot):
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.generate("study-guide")
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=30000)
    title = w.current_output.title
    w.resize(w.minimumSizeHint().width(), 640)  # the offscreen screen is 800 px tall
    size = (w.width(), w.height())
    make_app.close(app)

    again = make_app()
    w2 = again.window
    src = wait_status(qtbot, w2, "biology.md", "ready")
    assert src.char_count and src.char_count > 100
    assert w2.formats.outputs.count() == 1
    qtbot.waitUntil(lambda: w2.current_output is not None, timeout=5000)
    assert w2.current_output.title == title
    assert "photosynthesis" in w2.output_view.toPlainText().lower()
    assert (w2.width(), w2.height()) == size


def test_items_left_queued_are_resumed_on_start(make_app, docs, qtbot, library):
    library.enqueue([docs / "biology.md"])
    library.close()
    app = make_app()
    wait_status(qtbot, app.window, "biology.md", "ready")


def test_failed_file_shows_reason_and_others_finish(make_app, docs, qtbot):
    bad = docs / "broken.pdf"
    bad.write_bytes(b"this is not a PDF at all")
    (docs / "second.md").write_text(BIOLOGY.replace("Cell biology", "Plant cells"), encoding="utf-8")
    app = make_app()
    w = app.window
    drop_files(w, [bad, docs / "biology.md"])
    failed = wait_status(qtbot, w, "broken.pdf", "failed")
    wait_status(qtbot, w, "biology.md", "ready")
    status = w.sources.status_of(failed.id)
    assert status.startswith("Failed: ") and len(status) > len("Failed: ") + 5
    qtbot.waitUntil(lambda: "broken.pdf" in w.messages.label.text(), timeout=5000)
    assert w.messages.isVisible()


def test_cancel_harvest_is_quiet_and_leaves_the_rest_cancelled(make_app, docs, qtbot):
    for i in range(30):
        (docs / f"note{i}.md").write_text(BIOLOGY.replace("Cell biology", f"Note {i}") + f"\nUnique line {i}.\n",
                                          encoding="utf-8")
    app = make_app()
    w = app.window
    states = []
    app.runner.job_finished.connect(lambda job: states.append((job.kind, job.state)))
    w.add_items([str(docs)])
    qtbot.waitUntil(lambda: bool(app.runner.running("harvest")), timeout=10000)
    job = app.runner.running("harvest")[0]
    w.cancel_current()
    qtbot.waitUntil(lambda: ("harvest", "cancelled") in states, timeout=30000)
    assert job.state == "cancelled"
    assert not w.messages.isVisible()
    qtbot.waitUntil(lambda: not app.runner.running("load"), timeout=5000)
    statuses = {s.status for s in w.sources.sources.values()}
    assert "harvesting" not in statuses
    assert "queued" not in statuses  # nothing restarts on its own at the next launch
    assert "cancelled" in statuses  # what was not finished waits, visibly, for Resume


def test_cancel_generate_with_escape(make_app, docs, qtbot):
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    states = []
    app.runner.job_finished.connect(lambda job: states.append((job.kind, job.state)))
    w.generate("study-guide")
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: any(k == "generate" for k, _ in states), timeout=30000)
    assert ("generate", "cancelled") in states
    assert w.current_output is None
    assert not w.messages.isVisible()
    assert w.formats.generate_button.isEnabled()


@pytest.fixture
def restore_keyring():
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def _all_text(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_keys_pane_with_secure_store(make_app, qtbot, restore_keyring, monkeypatch):
    # Only stores on the allow-list are used; this in-memory stand-in is added for the test.
    backend = trusted_memory_keyring(monkeypatch)
    app = make_app()
    pane = app.window.keys
    qtbot.waitUntil(lambda: pane.refreshed >= 1, timeout=10000)
    assert pane.secure and "system key store" in pane.banner.text()
    assert pane.status["openai"].text() == "No key"
    secret = "sk-test-0123456789abcdef"
    pane.ask_value = lambda parent, p: secret
    seen = pane.refreshed
    pane.set_buttons["openai"].click()
    qtbot.waitUntil(lambda: pane.refreshed > seen, timeout=10000)
    assert pane.status["openai"].text() == "Key set ••••" + secret[-4:]
    assert backend.store[("harvest-desktop", "openai")] == secret
    assert secret not in _all_text(app.window)
    assert pane.clear_buttons["openai"].isEnabled()
    seen = pane.refreshed
    pane.clear_buttons["openai"].click()
    qtbot.waitUntil(lambda: pane.refreshed > seen, timeout=10000)
    assert pane.status["openai"].text() == "No key"
    assert ("harvest-desktop", "openai") not in backend.store


@pytest.mark.parametrize("backend_name", ["plaintext", "fail"])
def test_keys_pane_refuses_insecure_store(make_app, qtbot, restore_keyring, tmp_path, backend_name):
    from harvest_desktop.ai import keys

    if backend_name == "plaintext":
        from keyrings.alt.file import PlaintextKeyring

        backend = PlaintextKeyring()
        backend.file_path = str(tmp_path / "plain.cfg")
    else:
        from keyring.backends.fail import Keyring as FailKeyring

        backend = FailKeyring()
    keyring.set_keyring(backend)
    app = make_app()
    pane = app.window.keys
    qtbot.waitUntil(lambda: pane.refreshed >= 1, timeout=10000)
    assert not pane.secure
    assert "No secure key store" in pane.banner.text() and "How to fix" in pane.banner.text()
    assert pane.banner.text().count(". ") <= 1  # one line, not a paragraph of backends
    shown = []
    pane.run_dialog = lambda dialog: shown.append(dialog.text()) or 0
    pane.banner.linkActivated.emit("#fix")
    assert "gnome-keyring" in shown[0].lower() or "GNOME Keyring" in shown[0]
    assert not any(b.isEnabled() for b in pane.set_buttons.values())
    with pytest.raises(keys.NoSecureStore):
        keys.set_key("openai", "sk-should-never-be-written")
    assert not (tmp_path / "plain.cfg").exists()


def test_shortcuts_trigger_their_actions(make_app, docs, qtbot):
    app = make_app()
    w = app.window
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    asked = []
    w.ask_files = lambda parent: asked.append("files") or [str(docs / "biology.md")]
    w.ask_urls = lambda parent: asked.append("urls") or ([], False)
    dialogs = []
    w.run_dialog = lambda dialog: dialogs.append(dialog) or 0

    qtbot.keyClick(w, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)  # an empty library: Generate is disabled
    qtbot.wait(100)
    assert not w.generate_action.isEnabled() and not w.runner.running("generate") and not w.messages.isVisible()

    qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["files"]
    wait_status(qtbot, w, "biology.md", "ready")
    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["files", "urls"]

    qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert "Generate or select an output first" in w.statusBar().currentMessage()

    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.tabs.currentWidget() is w.search
    assert w.search.box.hasFocus()
    qtbot.keyClicks(w.search.box, "chlorophyll")
    qtbot.keyClick(w.search.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.search.results.count() > 0, timeout=10000)
    assert "biology" in w.search.results.item(0).text().lower()

    qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert len(dialogs) == 1 and dialogs[0].accessibleName()
    dialogs[0].deleteLater()


INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QPlainTextEdit, QTextEdit, QGraphicsView,
               QTabWidget, QAbstractSpinBox)


def _inside(widget: QWidget, kind: type) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, kind):
            return True
        parent = parent.parentWidget()
    return False


def test_every_interactive_widget_has_an_accessible_name(make_app):
    app = make_app()
    missing = []
    for widget in app.window.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or widget.objectName().startswith("qt_"):
            continue
        if isinstance(widget, QHeaderView) or _inside(widget, QComboBox):
            continue  # header sections and a combo box's popup list belong to their owner widget
        parent = widget.parentWidget()
        if parent is not None and (parent.objectName().startswith("qt_") or type(parent).__name__ in (
                "QTabBar", "QScrollBar", "QLineEdit", "QAbstractScrollArea", "QDockWidget")):
            continue  # Qt's own sub-controls (tab scrollers, clear buttons, dock title buttons)
        if not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(parent).__name__}")
    assert not missing, missing
    for action in app.window.actions():
        assert action.toolTip() and action.text()


def test_watched_folder_files_are_harvested_on_their_own(make_app, docs, qtbot, tmp_path):
    watched = tmp_path / "inbox"
    watched.mkdir()
    app = make_app(wait_open=False)
    app.settings.watched_folders = [str(watched)]
    qtbot.waitUntil(lambda: app.watcher is not None, timeout=20000)
    app.watcher.interval_s = 0.2
    app.watcher.settle_s = 0.2
    app.window.apply_settings()  # as after the settings dialog: the watcher picks up the folder
    (watched / "notes.md").write_text(BIOLOGY, encoding="utf-8")
    src = wait_status(qtbot, app.window, "notes.md", "ready")
    assert app.library.document(src.id).title == "Cell biology"
    # Unchanged on later scans: harvested once, not again.
    qtbot.wait(800)
    assert [s.name for s in app.library.sources()] == ["notes.md"]


def test_add_url_with_harvest_this_section(make_app, qtbot, tmp_path):
    from tests.fixtures_acquire.server import start_site, stop_site

    site = start_site("User-agent: *\nDisallow: /private/\nCrawl-delay: 0\n", tmp_path)
    try:
        app = make_app()
        app.library.settings.web.min_delay_per_host_s = 0.0
        app.window.ask_urls = lambda parent: ([site.base + "/article.html"], True)
        app.window.add_urls()
        wait_status(qtbot, app.window, site.base + "/section/dance.html", "ready")
        wait_status(qtbot, app.window, site.base + "/private/secret.html", "failed")
        names = {s.name for s in app.library.sources()}
        assert site.base + "/section/scent.html" in names
        assert not any("example.invalid" in n for n in names)
    finally:
        stop_site(site)
