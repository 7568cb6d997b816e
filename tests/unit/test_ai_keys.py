"""The key module: allow-listed stores only, values never shown, endpoints kept apart from keys."""

from __future__ import annotations

import json

import keyring
import pytest

from harvest_desktop.ai import keys
from harvest_desktop.core.errors import KnownError
from tests.ai_helpers import MemoryKeyring, fake_key, trusted_memory_keyring


@pytest.fixture(autouse=True)
def _restore_keyring():
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_allow_listed_store_keeps_and_masks_a_key(monkeypatch):
    store = trusted_memory_keyring(monkeypatch)
    secret = fake_key()
    keys.set_key("openai", "  " + secret + "\n")
    assert store.store[("harvest-desktop", "openai")] == secret  # stripped, stored as given
    assert keys.get_key("openai") == secret
    rows = {r.name: r for r in keys.list_keys()}
    assert rows["openai"].is_set and rows["openai"].tail == "••••" + secret[-4:]
    assert secret[:-4] not in rows["openai"].tail
    assert not rows["anthropic"].is_set
    keys.clear_key("openai")
    assert keys.get_key("openai") is None
    keys.clear_key("openai")  # clearing twice is fine


def test_short_values_show_no_characters():
    assert keys.masked("abc") == "••••"
    assert keys.masked("") == ""
    assert keys.masked("sk-" + "0123456789abcdef" + "WXYZ") == "••••WXYZ"  # assembled: no key-shaped literal


def test_unknown_backend_is_refused_even_if_it_claims_priority():
    backend = MemoryKeyring()  # not on the allow-list
    keyring.set_keyring(backend)
    ok, message = keys.secure_backend()
    assert not ok and "not one Harvest knows to be secure" in message
    with pytest.raises(keys.NoSecureStore):
        keys.set_key("openai", fake_key())
    assert backend.store == {}
    assert keys.get_key("openai") is None


def test_plaintext_and_fail_backends_are_refused(tmp_path):
    from keyring.backends.fail import Keyring as FailKeyring
    from keyrings.alt.file import PlaintextKeyring

    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "plain.cfg")
    for backend, words in ((plain, "keeps keys in a file"), (FailKeyring(), "no key store is available")):
        keyring.set_keyring(backend)
        ok, message = keys.secure_backend()
        assert not ok and words in message and "GNOME Keyring" in message
    assert not (tmp_path / "plain.cfg").exists()


def test_allow_list_names_the_system_stores():
    for name in ("keyring.backends.SecretService:Keyring", "keyring.backends.kwallet:DBusKeyring",
                 "keyring.backends.macOS:Keyring", "keyring.backends.Windows:WinVaultKeyring"):
        assert name in keys.TRUSTED_BACKENDS


def test_endpoints_live_in_a_file_and_their_keys_in_the_store(monkeypatch, harvest_home):
    store = trusted_memory_keyring(monkeypatch)
    ep = keys.add_endpoint("LMStudio", "http://127.0.0.1:1234/v1/", "qwen2.5-7b")
    assert ep.name == "lmstudio" and ep.base_url == "http://127.0.0.1:1234/v1" and ep.is_local
    secret = fake_key("sk-or-v1-")
    keys.set_key(keys.resolve_key_name("lmstudio"), secret)
    saved = (harvest_home / "endpoints.json").read_text()
    assert secret not in saved and json.loads(saved)["endpoints"][0]["model"] == "qwen2.5-7b"
    assert store.store[("harvest-desktop", "endpoint:lmstudio")] == secret
    row = [r for r in keys.list_keys() if r.name == "lmstudio"][0]
    assert row.is_set and row.tail.endswith(secret[-4:]) and row.base_url.endswith("/v1")
    assert not keys.Endpoint("or", "https://openrouter.ai/api/v1").is_local
    assert keys.remove_endpoint("lmstudio")
    assert ("harvest-desktop", "endpoint:lmstudio") not in store.store
    assert keys.endpoints() == []


@pytest.mark.parametrize("name,url,words", [
    ("auto", "http://127.0.0.1:1/v1", "cannot name an endpoint"),
    ("bad name!", "http://127.0.0.1:1/v1", "cannot name an endpoint"),
    ("ok", "ftp://example.org", "not an http(s) address"),
    ("ok", "http://user:pw@127.0.0.1:1/v1", "must not carry a user name"),
])
def test_bad_endpoints_are_explained(name, url, words):
    with pytest.raises(KnownError, match=words.replace("(", r"\(").replace(")", r"\)")):
        keys.add_endpoint(name, url)


def test_unknown_provider_lists_the_choices():
    with pytest.raises(KnownError) as err:
        keys.provider("mistral")
    assert "openai" in str(err.value) and "gemini" in str(err.value)
