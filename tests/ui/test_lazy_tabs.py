"""The tabs nobody sees at start are built on first show or first use, and then behave as if built at once."""

from __future__ import annotations

LAZY = ("search", "ask", "concepts", "usage", "export", "keys")


def _index(tabs, label: str) -> int:
    labels = [tabs.tabText(i) for i in range(tabs.count())]
    assert label in labels, labels
    return labels.index(label)


def test_hidden_tabs_wait_until_shown_and_keep_their_place(make_app, qtbot):
    app = make_app()
    w = app.window
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == ["Source", "Output", "Search", "Ask", "Concepts",
                                                                   "Usage"]
    assert [w.side.tabText(i) for i in range(w.side.count())] == ["Formats", "Export", "Keys"]
    assert all(w._lazy.built(name) is None for name in LAZY), "a hidden tab was built before it was shown"

    # A click on the tab builds the pane in the placeholder's place; the same tab stays current.
    heard = []
    w.tabs.currentChanged.connect(heard.append)
    concepts_at = _index(w.tabs, "Concepts")
    w.tabs.setCurrentIndex(concepts_at)
    pane = w._lazy.built("concepts")
    assert pane is not None and w.tabs.currentWidget() is pane is w.concepts
    assert w.tabs.currentIndex() == concepts_at and w.tabs.tabText(concepts_at) == "Concepts"
    assert heard == [concepts_at]  # one change heard, none for the swap
    assert pane.find_button.isEnabled()  # the library is open: the state set before the pane existed applies
    assert w._lazy.built("search") is None  # showing one tab builds only that one

    # Asking for a pane builds it without showing it.
    search = w.search
    assert w.tabs.currentWidget() is pane and w.tabs.indexOf(search) == _index(w.tabs, "Search")
    assert search.box.isEnabled()
    w.focus_search()
    assert w.tabs.currentWidget() is search

    # The Keys page is wider than the side pane allows: it scrolls in its tab as it did when built at once.
    w.side.setCurrentIndex(_index(w.side, "Keys"))
    keys = w._lazy.built("keys")
    assert keys is not None and keys.isVisibleTo(w)
    holder = w.side.currentWidget()
    assert holder is keys or holder.widget() is keys
    assert w.side.tabText(w.side.currentIndex()) == "Keys"


def test_a_pane_built_after_the_library_opened_follows_the_change_feed(make_app, qtbot):
    from harvest_desktop.services.changes import Changes
    from harvest_desktop.ui.panes.concepts import ConceptData

    app = make_app()
    w = app.window
    assert w.feed is not None and w._lazy.built("concepts") is None
    pane = w.concepts  # built now, long after the feed was made
    pane.show_data(ConceptData(concepts=[("photosynthesis", "turning light into chemical energy", "biology.md")]))
    assert "changed" not in pane.note.text()
    w.library.bus.publish(Changes(concepts=True))
    qtbot.waitUntil(lambda: "sources changed" in pane.note.text(), timeout=5000)


def test_actions_turned_off_before_a_pane_exists_apply_when_it_is_built(make_app, qtbot):
    app = make_app()
    w = app.window
    w._set_library_actions(False)  # as during a repair: no library to search or ask
    assert not w.search.box.isEnabled()
    assert not w.ask.box.isEnabled() and not w.ask.button.isEnabled()
    w._set_library_actions(True)
    assert w.search.box.isEnabled() and w.ask.button.isEnabled() and w.concepts.find_button.isEnabled()
