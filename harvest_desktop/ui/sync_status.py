"""Sync in the window: a Sync action, a server dialog, and a status-bar panel with progress and the
last sync time. Sync runs on a worker thread (never on the UI thread), on demand and every few
minutes in the background once a server is set up; a server that is down only changes the panel's
text (a sync the person asked for also says so in the message bar).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QToolButton, QWidget)

from harvest_desktop.core.errors import KnownError

if TYPE_CHECKING:
    from harvest_desktop.sync.service import SyncService

BACKGROUND_INTERVAL_MS = 10 * 60 * 1000


class SyncPanel(QWidget):
    """Status-bar panel: last sync (or what went wrong), progress while a sync runs, a Sync button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sync status")
        self.label = QLabel("Sync: not set up")
        self.label.setAccessibleName("Sync state")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.setVisible(False)
        self.button = QToolButton()
        self.button.setAccessibleName("Sync now")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.button)

    def show_progress(self, done: int, total: int | None, text: str) -> None:
        self.bar.setVisible(True)
        self.bar.setRange(0, total or 0)  # 0..0: busy
        if total:
            self.bar.setValue(min(done, total))
        self.label.setText(f"Sync: {text}")

    def idle(self, text: str) -> None:
        self.bar.setVisible(False)
        self.label.setText(text)


class SyncDialog(QDialog):
    """Server address and device token (the token goes to the system key store only)."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync server")
        self.setAccessibleName("Sync server")
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("http://127.0.0.1:8765")
        self.url.setAccessibleName("Server address")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("from: harvest-server token create NAME")
        self.token.setAccessibleName("Device token")
        form = QFormLayout(self)
        form.addRow(QLabel("Sync mirrors this library through a Harvest server you or your class runs. "
                           "Nothing is sent until you set it up; API keys are never sent."))
        form.addRow("Server address", self.url)
        form.addRow("Device token", self.token)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SyncController(QObject):
    """Owns the sync actions, the panel and the background timer of one main window."""

    def __init__(self, window: Any, interval_ms: int = BACKGROUND_INTERVAL_MS) -> None:
        super().__init__(window)
        self.window = window
        self.service: SyncService | None = None
        self.panel = SyncPanel(window)
        self.sync_action = QAction("Sync now", window)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.sync_action.setToolTip("Send and receive changes through the sync server (Ctrl+Shift+Y)")
        self.sync_action.triggered.connect(lambda _=False: self.sync_now())
        self.sync_action.setEnabled(False)
        self.setup_action = QAction("Sync server…", window)
        self.setup_action.setToolTip("Set the sync server and this device's token")
        self.setup_action.triggered.connect(lambda _=False: self.open_setup())
        self.setup_action.setEnabled(False)
        window.addAction(self.sync_action)
        self.panel.button.setDefaultAction(self.sync_action)
        window.statusBar().addPermanentWidget(self.panel)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.sync_now(background=True))
        self.ask_setup = self._ask_setup  # a seam for tests
        self.last_report = None
        self.last_error: str | None = None

    def add_to_menu(self, menu) -> None:
        menu.addSeparator()
        menu.addAction(self.sync_action)
        menu.addAction(self.setup_action)

    # -- library -------------------------------------------------------------------------------------
    def attach(self, library) -> None:
        from harvest_desktop.sync.service import SyncService

        self.service = SyncService(library)
        self.sync_action.setEnabled(True)
        self.setup_action.setEnabled(True)
        self.refresh()

    def close(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Read the sync state off the UI thread and show it."""
        svc = self.service
        if svc is None:
            return
        self.window.runner.run("Reading the sync state", lambda _t, _r: svc.status(), kind="sync-status",
                               visible=False, on_success=self._show_status)

    def _show_status(self, st) -> None:
        if not st.configured:
            self.panel.idle("Sync: not set up")
            self.timer.stop()
            return
        if not self.timer.isActive():
            self.timer.start()
        last = _short_time(st.last_sync) if st.last_sync else "never"
        text = f"Synced {last}" if st.last_sync else "Sync: never synced"
        if st.pending:
            text += f" · {st.pending} waiting"
        if self.last_error:
            text += f" · {self.last_error}"
        self.panel.idle(text)
        self.panel.setToolTip("\n".join(st.lines()))

    # -- actions -------------------------------------------------------------------------------------
    def sync_now(self, background: bool = False):
        svc = self.service
        if svc is None or self.window.runner.running("sync"):
            return None
        if not svc.server_url():
            if not background:
                self.open_setup()
            return None
        self.panel.show_progress(0, None, "connecting…")

        def work(token, report):
            try:
                return svc.sync_blocking(progress=report, cancel=token)
            except KnownError as exc:  # the server is down or refused: shown in the panel, the app goes on
                return exc

        job = self.window.runner.run("Sync", work, kind="sync", visible=not background,
                                     on_success=lambda result: self._done(result, background))
        job.progressed.connect(lambda p: self.panel.show_progress(p.done, p.total, p.message))
        return job

    def _done(self, result, background: bool) -> None:
        if isinstance(result, KnownError):
            from harvest_desktop.sync.client import SyncError

            if isinstance(result, SyncError):  # the server answered but said no (token revoked, ...)
                self.last_error = "the server refused: see Tools > Sync server…"
            else:
                self.last_error = "server unreachable, will retry"
            if not background:
                self.window.show_known_error(f"Sync: {result}")
        else:
            self.last_error = None
            self.last_report = result
            moved = f"sent {result.pushed}, received {result.pulled}"
            self.window.statusBar().showMessage(f"Sync done: {moved}.", 8000)
            for conflict in result.conflicts:
                self.window.messages.add(f"Sync: {conflict}")
        self.refresh()

    def open_setup(self) -> None:
        svc = self.service
        if svc is None:
            return
        answer = self.ask_setup(svc.server_url() or "")
        if not answer:
            return
        url, token = answer

        def work(_token, _report):
            return svc.setup(url, token)

        self.panel.show_progress(0, None, "checking the server…")
        self.window.runner.run("Connecting to the sync server", work, kind="sync-setup",
                               on_success=lambda said: (self.window.statusBar().showMessage(
                                   f"Sync set up {said}.", 8000), self.refresh(), self.sync_now()),
                               on_failure=lambda _exc: self.refresh())

    def _ask_setup(self, url: str) -> tuple[str, str] | None:
        dialog = SyncDialog(url, self.window)
        try:
            if not self.window.run_dialog(dialog):
                return None
            return dialog.url.text().strip(), dialog.token.text().strip()
        finally:
            dialog.deleteLater()


def _short_time(iso: str) -> str:
    try:
        when = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    now = datetime.now().astimezone()
    return when.strftime("%H:%M") if when.date() == now.date() else when.strftime("%Y-%m-%d %H:%M")
