"""The Ollama address is a setting (Settings, Generation), not a key: it is saved with no key store,
the gateway reads it, and the Keys pane lists only keys."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from harvest_desktop.ai import keys
from harvest_desktop.core.settings import Settings
from tests.ai_servers import Scripted


@pytest.fixture
def no_key_store():
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_the_address_is_set_in_settings_without_a_key_store_and_the_gateway_uses_it(qtbot, no_key_store, library,
                                                                                     monkeypatch):
    from harvest_desktop.ai.gateway import Gateway
    from harvest_desktop.ui.settings_dialog import SettingsDialog

    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert not keys.secure_backend()[0]
    assert keys.ollama_url() == keys.DEFAULT_OLLAMA_URL
    with Scripted("ollama", [("tags", ["qwen2.5:0.5b"])]) as ollama:
        settings = Settings.load()
        dialog = SettingsDialog(settings)
        qtbot.addWidget(dialog)
        assert dialog.ollama_edit.isVisibleTo(dialog) or dialog.tabs.count() > 1
        assert dialog.ollama_edit.placeholderText() == keys.DEFAULT_OLLAMA_URL
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)

        dialog.ollama_edit.setText("localhost:11434")  # no scheme: refused with what to type
        ok.click()
        assert dialog.error_label.isVisibleTo(dialog) and "is not an address" in dialog.error_label.text()
        assert dialog.tabs.currentWidget().isAncestorOf(dialog.ollama_edit)
        assert Settings.load().ollama_url == ""

        dialog.ollama_edit.setText(ollama.url + "/")
        ok.click()
        assert dialog.result() == dialog.DialogCode.Accepted
        assert Settings.load().ollama_url == ollama.url  # saved, trailing slash dropped
        assert keys.ollama_url() == ollama.url

        gateway = Gateway(library.db)
        seen = gateway.availability(probe_ollama=True)
        assert seen.ollama_url == ollama.url and seen.ollama_running and seen.ollama_models == ["qwen2.5:0.5b"]
        assert any(r["path"] == "/api/tags" for r in ollama.requests)

    # empty again: back to OLLAMA_HOST, then this computer
    keys.clear_key("ollama")
    assert Settings.load().ollama_url == ""
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:11500")
    assert keys.ollama_url() == "http://127.0.0.1:11500"


def test_the_cli_name_still_sets_the_address_and_an_older_key_store_entry_is_read(harvest_home, monkeypatch):
    from tests.ai_helpers import trusted_memory_keyring

    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    store = trusted_memory_keyring(monkeypatch)
    store.set_password(keys.SERVICE, "ollama", "http://127.0.0.1:11499")  # where an older Harvest kept it
    assert keys.ollama_url() == "http://127.0.0.1:11499"
    keys.set_key("ollama", "http://127.0.0.1:11498")  # `harvest keys set ollama`: into the settings
    assert Settings.load().ollama_url == "http://127.0.0.1:11498" and keys.ollama_url() == "http://127.0.0.1:11498"
    row = next(r for r in keys.list_keys() if r.name == "ollama")
    assert row.is_set and row.where == "settings" and row.tail == "http://127.0.0.1:11498"
    keys.clear_key("ollama")  # clears both places
    assert keys.ollama_url() == keys.DEFAULT_OLLAMA_URL
    assert store.get_password(keys.SERVICE, "ollama") is None
    with pytest.raises(Exception, match="not an http"):
        keys.set_key("ollama", "ftp://example")


def test_the_keys_pane_lists_only_keys_and_names_the_ollama_address(make_app, qtbot, monkeypatch):
    from tests.ai_helpers import trusted_memory_keyring

    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    trusted_memory_keyring(monkeypatch)
    keys.set_ollama_url("http://127.0.0.1:11497")
    app = make_app()
    pane = app.window.keys
    pane.refresh()
    qtbot.waitUntil(lambda: pane.refreshed >= 1, timeout=10000)
    assert "ollama" not in pane.set_buttons and set(pane.set_buttons) == {"openai", "anthropic", "gemini"}
    qtbot.waitUntil(lambda: "http://127.0.0.1:11497" in pane.ollama_label.text(), timeout=10000)
    assert "Settings" in pane.ollama_label.text()
