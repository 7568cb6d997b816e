"""The crash dialog shows what happened and where the log is, copies a redacted report, and can
be raised from any thread."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from harvest_desktop.core import crash, paths
from harvest_desktop.ui import crash_dialog
from harvest_desktop.ui.crash_dialog import KEEP_RUNNING, QUIT, CrashDialog, show_crash

FAKE_KEY = "sk-proj-PlantedFakeKeyForTheClipboard0123"


def _report() -> crash.CrashReport:
    try:
        raise RuntimeError(f"provider call failed with key {FAKE_KEY}")
    except RuntimeError:
        report = crash.build_report(*sys.exc_info())
    crash.write_report(report)
    return report


@pytest.fixture(autouse=True)
def _no_leftover_hooks():
    before = (sys.excepthook, threading.excepthook)
    yield
    crash.uninstall_hooks()
    dialog = crash_dialog.current_crash_dialog()
    if dialog is not None:
        dialog.done(KEEP_RUNNING)
    assert (sys.excepthook, threading.excepthook) == before


def test_dialog_shows_summary_and_log_path(qtbot):
    report = _report()
    dialog = CrashDialog(report)
    qtbot.addWidget(dialog)
    assert "RuntimeError" in dialog.summary.text()
    assert FAKE_KEY not in dialog.summary.text()
    assert str(report.path) in dialog.log_location.text()
    assert report.path.parent == paths.crash_dir()
    # details start hidden and expand on demand
    dialog.show()
    assert not dialog.details.isVisible()
    dialog.details_button.click()
    assert dialog.details.isVisible()
    assert "Traceback" in dialog.details.toPlainText()
    assert FAKE_KEY not in dialog.details.toPlainText()


def test_copy_report_is_redacted(qtbot):
    dialog = CrashDialog(_report())
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "RuntimeError" in copied and "Traceback" in copied
    assert FAKE_KEY not in copied


def test_open_folder_uses_the_desktop(qtbot, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(crash_dialog.QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    report = _report()
    dialog = CrashDialog(report)
    qtbot.addWidget(dialog)
    dialog.open_folder_button.click()
    assert opened == [str(report.path.parent)]


def test_quit_and_keep_running(qtbot):
    for button, code in (("quit_button", QUIT), ("keep_button", KEEP_RUNNING)):
        dialog = CrashDialog(_report())
        qtbot.addWidget(dialog)
        dialog.show()
        getattr(dialog, button).click()
        assert dialog.result() == code


def test_show_crash_from_a_worker_thread_lands_on_the_main_thread(qtbot):
    quits: list[bool] = []
    crash_dialog.install_crash_dialog(on_quit=lambda: quits.append(True))
    worker = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError("worker bug")),
                              name="harvest-index")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash_dialog.current_crash_dialog() is not None)
    dialog = crash_dialog.current_crash_dialog()
    assert dialog.thread() == QApplication.instance().thread()
    assert "worker bug" in dialog.summary.text()
    assert dialog.report.thread == "harvest-index"

    # a second bug while the dialog is open is counted, not stacked
    show_crash(_report())
    assert crash_dialog.current_crash_dialog() is dialog
    assert "1 more error" in dialog.more_label.text()

    dialog.quit_button.click()
    assert quits == [True]
    assert crash_dialog.current_crash_dialog() is None


def test_show_crash_without_application_state_is_harmless(qtbot):
    # keep running closes the dialog and leaves the app alone
    show_crash(_report())
    dialog = crash_dialog.current_crash_dialog()
    assert dialog is not None and dialog.isVisible()
    dialog.keep_button.click()
    assert crash_dialog.current_crash_dialog() is None
