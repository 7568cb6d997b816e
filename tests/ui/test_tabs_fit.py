"""At 1,024 x 768 every tab of the middle and right panes shows whole (no scroll arrows, no cut
labels), with the offscreen default font and with the larger fonts desktops use (10-12 pt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont


@pytest.fixture
def app_font(qapp, request):
    from harvest_desktop.ui.theme import apply_theme

    apply_theme(qapp, "light")  # Fusion, as the app runs
    before = QFont(qapp.font())
    if request.param:
        font = QFont(before)
        font.setPointSizeF(request.param)
        qapp.setFont(font)
    yield request.param or before.pointSizeF()
    qapp.setFont(before)


def _check_tabs_whole(w, label: str) -> None:
    for tabs in (w.tabs, w.side):
        bar = tabs.tabBar()
        labels = [tabs.tabText(i) for i in range(tabs.count())]
        needed = sum(bar.tabSizeHint(i).width() for i in range(bar.count()))
        print(f"{label}, {tabs.accessibleName()}: tabs need {needed} px of {tabs.width()} px; panes {w.splitter.sizes()}")
        assert needed <= tabs.width() - 2, (label, tabs.accessibleName(), needed, tabs.width(), labels)
        for i in range(bar.count()):  # each tab lies inside the bar: none is reached by an arrow
            assert bar.rect().contains(bar.tabRect(i)), (labels[i], bar.tabRect(i), bar.rect())
            assert bar.tabSizeHint(i).width() >= bar.fontMetrics().horizontalAdvance(labels[i].replace("&", ""))
    assert all(size > 0 for size in w.splitter.sizes())  # nothing folded away to make room


def _open_at_1024(make_app, qtbot):
    from harvest_desktop.ui.layout import balance_panes, fit_to_screen

    app = make_app()
    w = app.window
    w.resize(1600, 1000)
    w.setProperty("restored_geometry", True)
    fit_to_screen(w, QRect(0, 0, 1024, 768))
    w.show()
    qtbot.waitExposed(w)
    for i in range(w.side.count()):  # every right-hand page built (Export's is the widest)
        w.side.setCurrentIndex(i)
    balance_panes(w, w.width())  # shared again, as the window does on a screen this size
    qtbot.wait(50)
    assert w.width() <= 1024
    return w


@pytest.mark.parametrize("app_font", [None, 10.0, 11.0, 12.0], indirect=True)
def test_every_tab_shows_whole_at_1024x768(make_app, qtbot, app_font):
    w = _open_at_1024(make_app, qtbot)
    _check_tabs_whole(w, f"{app_font:g} pt")


@pytest.mark.parametrize("points", [10.0, 11.0])
def test_larger_tab_labels_get_their_room_from_the_side_panes(make_app, qtbot, points):
    """A desktop whose tab labels are larger than this default (the right pane as wide as here):
    the right pane and then the sources list give up width so the preview tabs stay whole."""
    from harvest_desktop.ui.layout import balance_panes

    w = _open_at_1024(make_app, qtbot)
    for tabs in (w.tabs, w.side):
        font = QFont(tabs.tabBar().font())
        font.setPointSizeF(points)
        tabs.tabBar().setFont(font)
    balance_panes(w, w.width())
    qtbot.wait(50)
    _check_tabs_whole(w, f"tabs at {points:g} pt")
