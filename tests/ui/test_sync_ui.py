"""Sync in the window: set up through the dialog seam, Sync now, progress and the last sync time in the
status bar; a server that went away only changes the panel's text during a background sync."""

from __future__ import annotations

import keyring
import pytest

from tests.integration.test_sync import MemoryKeyring, trust_memory_keyring
from tests.sync_support import ServerProcess, make_token


@pytest.fixture
def memory_keyring(monkeypatch):
    trust_memory_keyring(monkeypatch)
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(before)


def test_sync_action_status_bar_and_server_down(make_app, qtbot, tmp_path, memory_keyring):
    db = f"sqlite:///{tmp_path / 'server.db'}"
    token = make_token(db, "window")
    srv = ServerProcess(db).start()
    try:
        app = make_app()
        w = app.window
        panel = w.sync.panel
        assert panel.label.text() == "Sync: not set up"
        assert w.sync.sync_action.isEnabled()
        w.sync.ask_setup = lambda url: (srv.url, token)
        w.sync.setup_action.trigger()
        qtbot.waitUntil(lambda: panel.label.text().startswith("Synced"), timeout=60000)
        assert w.sync.last_report is not None and w.sync.last_report.pushed == 0
        assert not panel.bar.isVisible()
        assert "server: " + srv.url in panel.toolTip()
        srv.stop()  # the server goes away; the background sync must not bother the person
        w.sync.sync_now(background=True)
        qtbot.waitUntil(lambda: "unreachable" in panel.label.text(), timeout=60000)
        assert not w.messages.isVisible()
        assert w.sync.timer.isActive()  # it keeps trying in the background
    finally:
        srv.stop()
