"""The welcome explains the three ways to generate, finds Ollama without blocking, and records
that the first run is done."""

from __future__ import annotations

import json

import pytest

from harvest_desktop.core.settings import Settings
from harvest_desktop.ui.welcome import WelcomeDialog
from tests.unit.test_ollama_detect import TAGS, serve


@pytest.fixture
def fake_ollama():
    server = serve(json.dumps(TAGS).encode())
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def test_finds_fake_ollama(qtbot, fake_ollama):
    dialog = WelcomeDialog(detect=False, ollama_url=fake_ollama)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.ollama_checked) as checked:
        dialog.start_detection()
    dialog.wait_for_detection()
    status = checked.args[0]
    assert status.running and status.models == ["llama3.2:latest", "qwen2.5:0.5b"]
    assert "Ollama found: 2 models" in dialog.ollama_label.text()
    assert "llama3.2:latest" in dialog.ollama_label.text()


def test_reports_not_running(qtbot, closed_port_url):
    dialog = WelcomeDialog(detect=False, ollama_url=closed_port_url)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.ollama_checked) as checked:
        dialog.start_detection()
    dialog.wait_for_detection()
    assert not checked.args[0].running
    assert "not running" in dialog.ollama_label.text()


def test_detection_starts_by_itself_and_does_not_block(qtbot, fake_ollama):
    dialog = WelcomeDialog(ollama_url=fake_ollama)
    qtbot.addWidget(dialog)
    # the label is set before any answer can arrive: the constructor did not wait
    assert dialog.ollama_status is None
    with qtbot.waitSignal(dialog.ollama_checked):
        pass
    dialog.wait_for_detection()
    assert dialog.ollama_status is not None and dialog.ollama_status.running


def test_explains_three_ways_and_has_one_button(qtbot, closed_port_url):
    from PySide6.QtWidgets import QPushButton

    dialog = WelcomeDialog(detect=False, ollama_url=closed_port_url)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.way_labels)
    for needle in ("offline", "no keys", "Ollama", "OpenAI", "Anthropic", "Gemini", "keyring"):
        assert needle in texts
    buttons = dialog.findChildren(QPushButton)
    assert [b.text() for b in buttons] == ["&Get started"]


def test_get_started_marks_first_run_done(qtbot, closed_port_url):
    settings = Settings()
    settings.save()
    calls: list[bool] = []
    dialog = WelcomeDialog(detect=False, ollama_url=closed_port_url, settings=settings,
                           on_done=lambda: calls.append(True))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start_button.click()
    assert dialog.first_run_done and settings.first_run_done
    assert Settings.load().first_run_done is True
    assert calls == [True]


def test_closing_the_window_also_counts(qtbot, closed_port_url):
    dialog = WelcomeDialog(detect=False, ollama_url=closed_port_url)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reject()
    assert dialog.first_run_done


def test_says_only_what_this_build_does(qtbot, closed_port_url):
    from harvest_desktop.formats import registry

    dialog = WelcomeDialog(detect=False, ollama_url=closed_port_url)
    qtbot.addWidget(dialog)
    offline, ollama, keys = (label.text() for label in dialog.way_labels)
    for spec in registry.FORMATS:  # exactly what the built-in engine makes, nothing it does not
        assert (spec.label.lower() in offline) == (not spec.needs_model), spec.key
    texts = " ".join((offline, ollama, keys)).lower()
    assert "script" not in texts  # the video script is not made by any route yet
    # The gateway writes blog posts through Ollama or a key: those lines say so, and nothing more.
    assert "blog posts" in ollama.lower() and "blog posts" in keys.lower() and "blog post" not in offline.lower()
