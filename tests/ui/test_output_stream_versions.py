"""The Output tab with a model behind it (a scripted OpenAI-format server on 127.0.0.1, SSE streaming):
the text shows as it is written and the finished output replaces it; a cut stream leaves its text and
a clear message, storing nothing; edits, versions, restore and one item written again, each a new
version of the same output in the real library."""

from __future__ import annotations

import json
import time

import keyring
import pytest

from tests.ai_helpers import ANTS, BEES, fake_key, trusted_memory_keyring
from tests.ai_servers import Scripted


@pytest.fixture
def model_app(make_app, qtbot, monkeypatch, tmp_path):
    """A window over a library of two harvested notes, with an OpenAI key whose server is on loopback."""
    from harvest_desktop.ai import keys
    from harvest_desktop.services import routing
    from tests.fixtures_acquire import fast_index

    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    monkeypatch.setattr(routing, "semantic_embedder", lambda: None)
    fast_index.install()
    with Scripted("openai", [("ok", "{}")]) as srv:
        monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
        keys.set_key("openai", fake_key())
        app = make_app()
        w = app.window
        (tmp_path / "bees.md").write_text(BEES, encoding="utf-8")
        (tmp_path / "ants.md").write_text(ANTS, encoding="utf-8")
        w.add_items([str(tmp_path / "bees.md"), str(tmp_path / "ants.md")])
        qtbot.waitUntil(lambda: w.sources.all_ready_ticked() and not w.runner.running(), timeout=60000)
        yield w, srv
    keyring.set_keyring(before)


def use_openai(w) -> None:
    w.formats.engine_combo.setCurrentIndex(w.formats.engine_combo.findData("openai"))
    assert w.formats.engine() == "openai"


def sentences(w):
    from harvest_desktop.core.cancel import NEVER

    ps = w.library.generation._generation_input(None, NEVER)[1]
    return [p.text.split(". ")[0].strip().rstrip(".") + "." for p in ps]


def test_the_text_shows_as_the_model_writes_then_the_output_replaces_it(model_app, qtbot):
    w, srv = model_app
    s = sentences(w)
    answer = {"title": "Bee brief", "points": [{"text": s[0], "passages": [1]},
                                               {"text": s[-1], "passages": [len(s)]}]}
    srv.script(("slow", json.dumps(answer), 0.15))  # twelve pieces, 0.15 s apart
    w.formats.select_format("briefing")
    use_openai(w)
    w.generate("briefing")
    view = w.output_view
    qtbot.waitUntil(lambda: "Bee brief" in view.toPlainText(), timeout=30000)
    assert w.runner.running("generate")  # the partial text is on screen before the job ends
    assert "Writing briefing" in view.toPlainText() and w.tabs.currentWidget() is w.output_panel
    stream = view.stream
    on_screen_ms = (view.first_shown_at - stream.first_piece_at) * 1000
    print(f"\nfirst streamed piece on screen {on_screen_ms:.0f} ms after it arrived "
          f"(redraw every {view._timer.interval()} ms; other jobs shared the CPU)")
    assert on_screen_ms < 1000
    qtbot.waitUntil(lambda: w.current_output is not None and w.current_output.format == "briefing", timeout=30000)
    text = view.toPlainText()
    assert "Writing" not in text and s[0][:40] in text  # the finished output, rendered from its content
    assert view.stream is None and not view._timer.isActive()

    # A stream cut in the middle (every retry cut too): its text stays, with a message; nothing is stored.
    made = len(w.formats.output_rows)
    # (A blog post: no built-in engine to fall back to, which a briefing or a FAQ would do.)
    srv.script(("drop", json.dumps({"title": "Half a post", "hook": {"text": s[0], "passages": [1]},
                                    "sections": [{"heading": "Dances", "paragraphs": [{"text": s[0],
                                                                                       "passages": [1]}] * 6}]})))
    w.formats.select_format("blog-post")
    use_openai(w)
    w.generate("blog-post")
    qtbot.waitUntil(lambda: not w.runner.running("generate"), timeout=120000)
    text = view.toPlainText()
    assert "Not finished" in text and "Nothing was stored" in text and "Half a post" in text
    assert len(w.formats.output_rows) == made and len(w.library.generation.outputs()) == made


def test_edit_versions_restore_and_one_item_written_again_in_the_window(model_app, qtbot):
    w, srv = model_app
    s = sentences(w)
    srv.script(("ok", json.dumps({"title": "Bee FAQ", "items": [
        {"question": "How do bees show food?", "answer": [{"text": s[0], "passages": [1]}]},
        {"question": "What do ants follow?", "answer": [{"text": s[-1], "passages": [len(s)]}]}]})))
    w.formats.select_format("faq")
    use_openai(w)
    w.generate("faq")
    panel, view = w.output_panel, w.output_view
    qtbot.waitUntil(lambda: panel.out is not None and panel.out.format == "faq" and bool(panel.versions), timeout=60000)
    oid = panel.out.id
    assert panel.edit_button.isEnabled() and panel.again_button.isEnabled()
    assert not panel.versions_button.isEnabled()  # one version only
    assert panel.labels == ["Question 1: How do bees show food?", "Question 2: What do ants follow?"]

    # Edit: the person changes one question in the editor; it becomes version 2.
    def edit_dialog(dialog):
        dialog.select("Question 1 · question")
        assert dialog.editor.toPlainText() == "How do bees show food?"
        dialog.editor.setPlainText("How do honey bees point to food?")
        return 1

    w.run_dialog = edit_dialog
    panel.edit_button.click()
    qtbot.waitUntil(lambda: "How do honey bees point to food?" in view.toPlainText(), timeout=30000)
    qtbot.waitUntil(lambda: len(panel.versions) == 2, timeout=10000)
    assert panel.info.text() == "Version 2 of 2 · edited by you (1 text)"
    stored = json.loads(w.library.generation.output(oid).content_json)
    assert stored["items"][0]["question"] == "How do honey bees point to food?"  # what exporters read

    # Versions: view version 1 from the menu, then restore it (a third version; nothing lost).
    panel._fill_versions(panel.versions_menu)
    oldest = panel.versions_menu.actions()[-1]
    assert oldest.text().startswith("Version 1 · made")
    oldest.trigger()
    assert "How do bees show food?" in view.toPlainText() and panel.restore_button.isVisible()
    assert not panel.edit_button.isEnabled()  # an earlier version is viewed, not edited
    panel.restore_button.click()
    qtbot.waitUntil(lambda: len(panel.versions) == 3, timeout=30000)
    assert panel.info.text() == "Version 3 of 3 · version 1 restored" and not panel.restore_button.isVisible()
    assert "How do bees show food?" in view.toPlainText()

    # One item written again by the model, streamed into the view, stored as version 4: the person
    # right-clicks the answer under the second question and picks "Write question 2 again".
    srv.script(("slow", json.dumps({"question": "Which way do ants go?",
                                    "answer": [{"text": s[-1], "passages": [len(s)]}]}), 0.1))
    found = view.document().find(s[-1][:30])
    assert not found.isNull()
    menu = panel.context_menu(view.cursorRect(found).center())
    texts = [a.text() for a in menu.actions()]
    assert "Write question 2 again" in texts and "Edit…" in texts
    assert panel.item_at(view.cursorRect(view.document().find("How do bees show food?")).center()) == 0
    assert panel.item_at(view.cursorRect(view.document().find("bees.md")).center()) is None  # the sources list
    next(a for a in menu.actions() if a.text() == "Write question 2 again").trigger()
    menu.deleteLater()
    qtbot.waitUntil(lambda: "Writing question 2 again" in view.toPlainText(), timeout=30000)
    qtbot.waitUntil(lambda: len(panel.versions) == 4, timeout=60000)
    assert "Which way do ants go?" in view.toPlainText() and "How do bees show food?" in view.toPlainText()
    assert panel.info.text() == "Version 4 of 4 · Question 2 written again"
    assert len(w.formats.output_rows) == 1  # versions never add outputs to the list
    # A version made elsewhere (here the service itself, as a sync or a script would) reaches the view
    # through the change feed, without taking the person away from the tab they are on.
    qtbot.waitUntil(lambda: not w.runner.running(), timeout=30000)
    w.tabs.setCurrentIndex(0)
    w.library.generation.restore(oid, 2)
    qtbot.waitUntil(lambda: "How do honey bees point to food?" in view.toPlainText(), timeout=30000)
    assert w.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: len(panel.versions) == 5, timeout=30000)
    deadline = time.monotonic() + 5
    while w.runner.running() and time.monotonic() < deadline:
        qtbot.wait(50)
