"""Remove in the window offers Undo: the row goes at once, the library changes only when the time is up."""

from __future__ import annotations

from tests.ui.helpers import wait_status


def _two_notes(tmp_path):
    a = tmp_path / "osmosis.md"
    a.write_text("# Osmosis\n\nOsmosis is the movement of water across a membrane.\n", encoding="utf-8")
    b = tmp_path / "mitosis.md"
    b.write_text("# Mitosis\n\nMitosis is the division of a cell nucleus into two.\n", encoding="utf-8")
    return a, b


def test_undo_puts_the_source_back_and_without_undo_it_is_removed(make_app, qtbot, tmp_path):
    a, b = _two_notes(tmp_path)
    app = make_app()
    w = app.window
    w.removals.delay_ms = 1500
    w.confirm_remove = lambda parent, name: True
    w.add_items([str(a), str(b)])
    src = wait_status(qtbot, w, a.name, "ready")
    wait_status(qtbot, w, b.name, "ready")
    w.sources.set_ticked(src.id, False)

    w.sources.select(src.id)
    w.remove_action.trigger()
    assert src.id not in w.sources.sources and src.id not in w.sources.items  # gone from the list at once
    assert w.messages.isVisible() and "Removed Osmosis." in w.messages.lines
    assert w.messages.action.isVisible() and w.messages.action.text() == "Undo"
    assert app.library.sources.get(src.id) is not None  # nothing deleted yet

    w.messages.action.click()  # Undo
    assert src.id in w.sources.items and w.sources.sources[src.id].status == "ready"
    assert src.id in w.sources.unticked  # as it was: left out of generation
    assert "Removed Osmosis." not in w.messages.lines and not w.messages.action.isVisible()
    qtbot.wait(2000)  # past the Undo time: still there, in the list and the library
    assert src.id in w.sources.items and app.library.sources.get(src.id) is not None

    w.sources.select(src.id)
    w.remove_action.trigger()
    assert src.id not in w.sources.items
    qtbot.waitUntil(lambda: app.library.sources.get(src.id) is None, timeout=15000)  # removed when the time is up
    assert src.id not in w.sources.items and not w.messages.action.isVisible()
    assert app.library.search.passages("osmosis water membrane", 5) and all(
        h.source_id != src.id for h in app.library.search.passages("osmosis water membrane", 5))


def test_closing_the_window_removes_what_waited_for_undo(make_app, qtbot, tmp_path):
    a, b = _two_notes(tmp_path)
    app = make_app()
    w = app.window
    w.confirm_remove = lambda parent, name: True
    w.add_items([str(a), str(b)])
    src = wait_status(qtbot, w, b.name, "ready")
    wait_status(qtbot, w, a.name, "ready")
    w.remove_source(src.id)
    assert src.id in w.removals and app.library.sources.get(src.id) is not None
    make_app.close(app)

    from harvest_desktop.library import Library

    lib = Library()
    try:
        assert [s.name for s in lib.sources.all()] == [a.name]
    finally:
        lib.close()


def test_a_dropped_line_takes_only_its_own_action(qtbot):
    from harvest_desktop.ui.main_window import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    repaired: list[int] = []
    bar.add("Removed Osmosis.", action=("Undo", lambda: None))
    bar.add("The library is damaged.", action=("Repair library", lambda: repaired.append(1)))
    bar.drop("Removed Osmosis.")  # its time is up: the line goes, the other line's action stays
    assert bar.lines == ["The library is damaged."] and bar.action.text() == "Repair library"
    assert not bar.action.isHidden()
    bar.action.click()
    assert repaired == [1]
    bar.drop("The library is damaged.")
    assert bar.isHidden()
