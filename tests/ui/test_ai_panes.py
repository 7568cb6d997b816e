"""The gateway in the window: Keys pane Test and masked tails, the Formats pane's route line with
its estimate and override, the Usage view's plots and CSV export."""

from __future__ import annotations

import keyring
import pytest

from tests.ai_helpers import article_json, fake_key, trusted_memory_keyring
from tests.ai_servers import Scripted


@pytest.fixture
def openai_server(monkeypatch):
    before = keyring.get_keyring()
    store = trusted_memory_keyring(monkeypatch)
    with Scripted("openai", [("ok", "OK")]) as srv:
        monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
        yield srv, store
    keyring.set_keyring(before)


def test_keys_pane_tests_a_key_and_shows_only_its_tail(make_app, qtbot, openai_server):
    from harvest_desktop.ai import keys

    srv, _store = openai_server
    secret = fake_key()
    keys.set_key("openai", secret)
    keys.add_endpoint("lab", "http://127.0.0.1:9/v1", "tiny")
    app = make_app()
    pane = app.window.keys
    qtbot.waitUntil(lambda: pane.refreshed >= 1, timeout=10000)
    seen = pane.refreshed
    pane.refresh()
    qtbot.waitUntil(lambda: pane.refreshed > seen, timeout=10000)
    assert pane.status["openai"].text().startswith("Key set ••••" + secret[-4:])
    assert "lab: http://127.0.0.1:9/v1 (model tiny), no key" in pane.servers.text()
    tested = pane.tested
    pane.test_buttons["openai"].click()
    qtbot.waitUntil(lambda: pane.tested > tested, timeout=60000)
    qtbot.waitUntil(lambda: "test: valid" in pane.status["openai"].text(), timeout=10000)
    assert srv.requests[-1]["body"]["max_tokens"] == 1
    srv.script(("status", 401, "Incorrect API key provided"))
    tested = pane.tested
    pane.test_buttons["openai"].click()
    qtbot.waitUntil(lambda: pane.tested > tested, timeout=60000)
    qtbot.waitUntil(lambda: "test: invalid key" in pane.status["openai"].text(), timeout=10000)
    from PySide6.QtWidgets import QLabel

    shown = " ".join(label.text() for label in app.window.findChildren(QLabel))
    assert secret not in shown and secret[:-4] not in shown


def test_formats_route_line_estimate_override_and_usage_plots(make_app, qtbot, openai_server, tmp_path):
    from harvest_desktop.ai import keys
    from tests.ai_helpers import ANTS, BEES
    from tests.fixtures_acquire import fast_index

    srv, _store = openai_server
    fast_index.install()
    keys.set_key("openai", fake_key())
    app = make_app()
    w = app.window
    (tmp_path / "bees.md").write_text(BEES, encoding="utf-8")
    (tmp_path / "ants.md").write_text(ANTS, encoding="utf-8")
    w.add_items([str(tmp_path / "bees.md"), str(tmp_path / "ants.md")])
    qtbot.waitUntil(lambda: len(w.sources.ticked_ids()) == 2 or w.sources.all_ready_ticked(), timeout=60000)
    qtbot.waitUntil(lambda: not w.runner.running(), timeout=60000)
    w.formats.select_format("blog-post")
    qtbot.waitUntil(lambda: "openai:gpt-4o-mini" in w.formats.route.text(), timeout=60000)
    line = w.formats.route.text()
    assert "balanced preference" in line and "at most $" in line and "\n" not in line
    assert w.formats.generate_button.isEnabled() or not w.formats.ready
    # Override: the built-in engine cannot write a blog post, and the line says so.
    w.formats.engine_combo.setCurrentIndex(w.formats.engine_combo.findData("builtin"))
    qtbot.waitUntil(lambda: "only makes extractive formats" in w.formats.route.text(), timeout=30000)
    assert not w.formats.generate_button.isEnabled()
    w.formats.engine_combo.setCurrentIndex(w.formats.engine_combo.findData("openai"))
    qtbot.waitUntil(lambda: w.formats.route.text().startswith("openai:gpt-4o-mini: chosen by you"), timeout=30000)
    srv.script(("ok", article_json()))
    w.generate("blog-post")
    qtbot.waitUntil(lambda: any(o.format == "blog-post" for o in w.formats.output_rows.values()), timeout=60000)
    usage = w.usage
    w.tabs.setCurrentWidget(usage)
    qtbot.waitUntil(lambda: usage.refreshed >= 1 and bool(usage.rows), timeout=20000)
    qtbot.waitUntil(lambda: not w.runner.running(), timeout=20000)
    assert usage.cost_plot.points and usage.cache_plot.points and usage.latency_plot.points
    assert "1 request(s)" in usage.summary.text()
    assert not usage.grab().isNull()  # the plots paint
    target = tmp_path / "usage.csv"
    usage.ask_path = lambda: str(target)
    usage.csv_button.click()
    qtbot.waitUntil(lambda: target.exists(), timeout=20000)
    assert "openai" in target.read_text() and "blog-post" in target.read_text()


def test_pulling_an_ollama_model_shows_progress_and_can_be_cancelled(make_app, qtbot, openai_server):
    from harvest_desktop.ai import keys
    from harvest_desktop.ui.ops import CANCELLED, DONE

    with Scripted("ollama", [("ok", "")]) as ollama:
        keys.set_key("ollama", ollama.url)
        app = make_app()
        pane = app.window.keys
        seen = []
        job = pane.pull("llama3.2")
        job.progressed.connect(seen.append)
        qtbot.waitUntil(lambda: job.state != "running", timeout=30000)
        assert job.state == DONE and seen and seen[-1].message.startswith("llama3.2: ")
        assert any(p.total for p in seen)
        job = pane.pull("llama3.2")
        qtbot.waitUntil(lambda: job.last is not None, timeout=30000)
        job.token.cancel()
        qtbot.waitUntil(lambda: job.state != "running", timeout=30000)
        assert job.state == CANCELLED
        assert [r["path"] for r in ollama.requests].count("/api/pull") == 2


def test_adding_a_server_in_the_keys_pane(make_app, qtbot, openai_server):
    from harvest_desktop.ai import keys

    app = make_app()
    pane = app.window.keys
    qtbot.waitUntil(lambda: pane.refreshed >= 1, timeout=10000)
    seen = pane.refreshed
    pane.ask_server = lambda parent: ("lmstudio", "http://127.0.0.1:1234/v1", "qwen2.5")
    pane.add_server_button.click()
    qtbot.waitUntil(lambda: pane.refreshed > seen, timeout=10000)
    assert [e.name for e in keys.endpoints()] == ["lmstudio"]
    assert "lmstudio: http://127.0.0.1:1234/v1 (model qwen2.5)" in pane.servers.text()
    seen = pane.refreshed
    pane.ask_server = lambda parent: ("auto", "http://127.0.0.1:1/v1", "")
    pane.add_server_button.click()  # a reserved name: refused with a message, nothing stored
    qtbot.waitUntil(lambda: pane.refreshed > seen, timeout=10000)
    assert [e.name for e in keys.endpoints()] == ["lmstudio"]
