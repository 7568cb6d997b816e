"""The window fits small screens: it opens inside the available screen and works down to about 800 px."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect


def _inside(window, widget, area: QRect) -> bool:
    """The widget's on-screen rectangle lies inside `area` (with the window's frame allowance)."""
    from harvest_desktop.ui.layout import FRAME_ALLOWANCE

    top_left = widget.mapToGlobal(QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    frame = window.frameGeometry()
    frame.setWidth(max(frame.width(), window.width() + FRAME_ALLOWANCE[0]))
    frame.setHeight(max(frame.height(), window.height() + FRAME_ALLOWANCE[1]))
    return area.contains(rect) and area.contains(frame)


def test_window_opens_inside_a_1024x768_screen_with_every_part_visible(make_app, qtbot):
    from harvest_desktop.ui.layout import fit_to_screen

    app = make_app()
    w = app.window
    w.resize(1600, 1000)  # as if a bigger screen had been remembered
    w.setProperty("restored_geometry", True)
    target = QRect(0, 0, 1024, 768)
    fit_to_screen(w, target)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(50)
    assert w.width() <= 1024 and w.height() <= 768
    for part in (w.menuBar(), w.statusBar(), w.side, w.sources, w.tabs):
        assert part.isVisible(), part
        assert part.width() > 50 and part.height() > 10, (part, part.size())
    for part in (w.menuBar(), w.statusBar(), w.side_holder, w.sources.tree):
        assert _inside(w, part, target), (part, part.mapToGlobal(QPoint(0, 0)), part.size())
    # the close button sits in the title bar at the frame's top right: the frame is inside the screen
    assert w.frameGeometry().right() <= target.right() or w.geometry().right() + 16 <= target.right()


def test_window_opens_inside_the_screen_it_is_on(make_app, qtbot):
    app = make_app()
    w = app.window
    w.show()
    qtbot.waitExposed(w)
    area = w.screen().availableGeometry()
    assert w.width() <= area.width() and w.height() <= area.height(), (w.size(), area)
    assert area.contains(w.geometry().topLeft()) and area.contains(w.geometry().bottomRight()), (w.geometry(), area)


def test_window_works_at_800_px_and_the_status_column_stays_in_view(make_app, qtbot, docs):
    from tests.ui.helpers import drop_files, wait_status

    app = make_app()
    w = app.window
    assert w.minimumSizeHint().width() <= 800, w.minimumSizeHint()
    w.show()
    w.resize(800, 600)
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.width() <= 800)
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    tree = w.sources.tree
    qtbot.wait(50)
    assert not tree.horizontalScrollBar().isVisible()
    status_left = tree.header().sectionViewportPosition(1)
    assert status_left >= 0 and status_left + 40 <= tree.viewport().width(), (status_left, tree.viewport().width())


def test_side_panes_fold_away_and_come_back(make_app, qtbot):
    app = make_app()
    w = app.window
    w.show()
    qtbot.waitExposed(w)
    assert w.splitter.childrenCollapsible() and not w.splitter.isCollapsible(1)
    w.toggle_side_action.trigger()
    assert w.splitter.sizes()[2] == 0 and not w.toggle_side_action.isChecked()
    w.toggle_sources_action.trigger()
    assert w.splitter.sizes()[0] == 0
    assert w.splitter.sizes()[1] > 500  # the previews took the room
    w.toggle_side_action.trigger()
    w.toggle_sources_action.trigger()
    sizes = w.splitter.sizes()
    assert sizes[0] > 150 and sizes[2] > 150, sizes
    # a pane dragged shut shows as unticked in the View menu
    w.splitter.setSizes([0, sizes[0] + sizes[1], sizes[2]])
    w.splitter.splitterMoved.emit(0, 1)
    assert not w.toggle_sources_action.isChecked()
