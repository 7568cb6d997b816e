"""The dialog for bugs: what happened, where the log is, copy a redacted report, quit or go on."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from harvest_desktop import APP_NAME
from harvest_desktop.core import crash, paths
from harvest_desktop.core.crash import CrashReport

log = logging.getLogger(__name__)

KEEP_RUNNING = 0  # QDialog.Rejected: Esc and the window's close button keep the app running
QUIT = 1


class CrashDialog(QDialog):
    """Shown for anything that is not a KnownError; it never shows secrets or document text."""

    def __init__(self, report: CrashReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("crashDialog")
        self.setWindowTitle(f"{APP_NAME} ran into a problem")
        self._more = 0

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(40, 40))
        icon.setAccessibleName("Error")
        icon.setToolTip("An unexpected error")

        self.headline = QLabel(
            f"<b>Something went wrong inside {APP_NAME}.</b><br>"
            "This is a bug, not something you did. What was already saved is kept; you can "
            "keep working, or quit and start again.",
            self,
        )
        self.headline.setWordWrap(True)
        self.headline.setAccessibleName("What happened")
        self.headline.setToolTip("A short explanation of the problem")

        self.summary = QLabel(report.summary, self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Error message")
        self.summary.setToolTip("The error, in one line")

        log_folder = report.path.parent if report.path else paths.crash_dir()
        where = str(report.path) if report.path else "The crash log could not be written."
        self.log_location = QLabel(f"Crash log: {where}", self)
        self.log_location.setWordWrap(True)
        self.log_location.setTextFormat(Qt.TextFormat.PlainText)
        self.log_location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_location.setAccessibleName("Crash log location")
        self.log_location.setToolTip("The file with the full report; attach it to a bug report")
        self._log_folder = log_folder

        self.more_label = QLabel(self)
        self.more_label.setAccessibleName("More errors")
        self.more_label.setToolTip("Errors that happened while this dialog was open")
        self.more_label.hide()

        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setPlainText(report.text_for_clipboard())
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setAccessibleName("Report details")
        self.details.setToolTip("The full report, with keys removed")
        self.details.setMinimumHeight(220)
        self.details.hide()

        self.details_button = QPushButton("Show &details", self)
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName("Show details")
        self.details_button.setToolTip("Show or hide the technical report")
        self.details_button.toggled.connect(self._toggle_details)

        self.open_folder_button = QPushButton("&Open folder", self)
        self.open_folder_button.setAccessibleName("Open crash log folder")
        self.open_folder_button.setToolTip(f"Open {log_folder} in the file manager")
        self.open_folder_button.clicked.connect(self.open_log_folder)

        self.copy_button = QPushButton("&Copy report", self)
        self.copy_button.setAccessibleName("Copy report")
        self.copy_button.setToolTip("Copy the report to the clipboard, with keys removed")
        self.copy_button.clicked.connect(self.copy_report)

        self.quit_button = QPushButton("&Quit", self)
        self.quit_button.setAccessibleName(f"Quit {APP_NAME}")
        self.quit_button.setToolTip(f"Close {APP_NAME}")
        self.quit_button.clicked.connect(lambda: self.done(QUIT))

        self.keep_button = QPushButton("&Keep running", self)
        self.keep_button.setAccessibleName("Keep running")
        self.keep_button.setToolTip("Close this message and go on working")
        self.keep_button.setDefault(True)
        self.keep_button.clicked.connect(lambda: self.done(KEEP_RUNNING))

        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.headline)
        text.addWidget(self.summary)
        text.addWidget(self.log_location)
        text.addWidget(self.more_label)
        top.addLayout(text, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.keep_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.resize(640, 220)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide &details" if shown else "Show &details")
        self.adjustSize()

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.text_for_clipboard())
        self.copy_button.setText("Copied")

    def open_log_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_folder)))

    def note_another_error(self, report: CrashReport) -> None:
        """Another bug while this dialog is open: count it instead of stacking dialogs."""
        self._more += 1
        where = f" (see {report.path.name})" if report.path else ""
        self.more_label.setText(f"{self._more} more error{'s' if self._more > 1 else ''} "
                                f"since this one; the latest: {report.summary}{where}")
        self.more_label.show()


# -- showing it from anywhere -------------------------------------------------------------------

class _CrashPresenter(QObject):
    """Lives on the main thread; reports emitted from any thread arrive here queued."""

    report_arrived = Signal(object)

    def __init__(self, on_quit: Callable[[], None] | None) -> None:
        super().__init__()
        self.on_quit = on_quit
        self.dialog: CrashDialog | None = None
        self.report_arrived.connect(self.present, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def present(self, report: CrashReport) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.note_another_error(report)
            return
        parent = QApplication.activeWindow()
        dialog = CrashDialog(report, parent)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._finished)
        self.dialog = dialog
        # open(), not exec(): no nested event loop inside an exception hook or the asyncio loop.
        dialog.open()

    def _finished(self, code: int) -> None:
        self.dialog = None
        if code == QUIT:
            (self.on_quit or _default_quit)()


_presenter: _CrashPresenter | None = None
_presenter_lock = threading.Lock()


def _default_quit() -> None:
    """Close every window so the app's own shutdown runs (jobs stop, the library closes)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.closeAllWindows()


def _get_presenter(on_quit: Callable[[], None] | None = None) -> _CrashPresenter | None:
    global _presenter
    app = QApplication.instance()
    if app is None:
        return None
    with _presenter_lock:
        if _presenter is None:
            presenter = _CrashPresenter(on_quit)
            if presenter.thread() is not app.thread():
                presenter.moveToThread(app.thread())
            _presenter = presenter
        elif on_quit is not None:
            _presenter.on_quit = on_quit
        return _presenter


def show_crash(report: CrashReport) -> None:
    """Show the crash dialog; safe from any thread (it is shown on the main thread, later)."""
    presenter = _get_presenter()
    if presenter is None:
        return  # no GUI yet: the crash log on disk and stderr are all there is
    if QThread.currentThread() == presenter.thread():
        presenter.present(report)
    else:
        presenter.report_arrived.emit(report)


def install_crash_dialog(
    on_quit: Callable[[], None] | None = None,
    on_known_error: crash.KnownErrorCallback | None = None,
) -> None:
    """Call once on the main thread after the QApplication exists: bugs now open CrashDialog.

    `on_quit` runs when the person chooses Quit (default: close every window, which starts the
    app's normal shutdown). Calling again with another `on_quit` replaces it.
    `on_known_error` receives uncaught KnownErrors (show them as a non-modal message).
    """
    _get_presenter(on_quit)
    crash.install_hooks(on_crash=show_crash, on_known_error=on_known_error)


def current_crash_dialog() -> CrashDialog | None:
    """The crash dialog on screen, if any (tests and the main window use it)."""
    return _presenter.dialog if _presenter is not None else None
