"""Small screens: the window opens inside the screen and works down to about 800 px wide."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow

# fit_to_screen runs before the first paint: the Qt namespace and the scroll-area classes (whose
# Python enums PySide6 makes on first import) are imported by the functions that use them.

PREFERRED = (1200, 760)  # what the window asks for when the screen has room
SIDE_MIN = 210  # the right pane scrolls sideways below its own width instead of widening the window
SOURCES_NARROW = 180  # the sources list gives up width down to this for whole preview tabs
SCROLL_WIDER_THAN = 340  # a side page wider than this scrolls in its tab
FRAME_ALLOWANCE = (16, 40)  # window-manager borders and title bar, before they are known


def fit_layout(window: QMainWindow) -> None:
    """Collapsible side panes, a scrolling right pane, and View menu toggles to bring them back."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFrame, QScrollArea

    splitter = window.splitter
    side = window.side
    _scroll_wide_pages(side)
    index = splitter.indexOf(side)
    if index >= 0:
        holder = QScrollArea()
        holder.setObjectName("side-scroll")
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setWidgetResizable(True)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        holder.setMinimumWidth(SIDE_MIN)
        splitter.replaceWidget(index, holder)
        holder.setWidget(side)
        window.side_holder = holder
    splitter.setChildrenCollapsible(True)
    splitter.setCollapsible(1, False)  # the previews stay; the panes beside them fold away
    splitter.setHandleWidth(max(splitter.handleWidth(), 5))

    from PySide6.QtWidgets import QMenu

    view = window.menuBar().findChild(QMenu, "view_menu")  # the window's frame may have made it
    if view is None:
        view = window.menuBar().addMenu("&View")
        view.setObjectName("view_menu")
    window.toggle_sources_action = _toggle(window, view, "Sources pane", "Ctrl+1", 0)
    window.toggle_side_action = _toggle(window, view, "Make and export pane", "Ctrl+3", 2)
    if hasattr(window, "jobs_dock"):
        jobs = window.jobs_dock.toggleViewAction()
        jobs.setText("Jobs")
        view.addAction(jobs)
    splitter.splitterMoved.connect(lambda *_: _sync_toggles(window))


def _scroll_wide_pages(tabs, limit: int = SCROLL_WIDER_THAN) -> None:
    """A page wider than `limit` (a row of buttons) scrolls inside its tab instead of widening the pane."""
    for i in range(tabs.count()):
        page = tabs.widget(i)
        if page.minimumSizeHint().width() <= limit:
            continue
        text, tip = tabs.tabText(i), tabs.tabToolTip(i)
        current = tabs.currentIndex()
        tabs.removeTab(i)
        tabs.insertTab(i, scroll_if_wide(page, text, limit), text)
        tabs.setTabToolTip(i, tip)
        tabs.setCurrentIndex(current)


def scroll_if_wide(page, text: str, limit: int = SCROLL_WIDER_THAN):
    """The page itself, or a scroll area holding it when it is wider than `limit` (a side tab built later)."""
    if page.minimumSizeHint().width() <= limit:
        return page
    from PySide6.QtWidgets import QFrame, QScrollArea

    holder = QScrollArea()
    holder.setObjectName(f"{page.objectName() or 'page'}-scroll")
    holder.setAccessibleName(f"{text} (scrolls)")
    holder.setFrameShape(QFrame.Shape.NoFrame)
    holder.setWidgetResizable(True)
    holder.setWidget(page)
    return holder


def _toggle(window: QMainWindow, menu, label: str, shortcut: str, index: int) -> QAction:
    action = QAction(label, window)
    action.setCheckable(True)
    action.setChecked(True)
    action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(f"Show or hide the {label.lower()} ({shortcut})")
    action.toggled.connect(lambda on: set_pane_shown(window, index, on))
    window.addAction(action)
    menu.addAction(action)
    return action


def set_pane_shown(window: QMainWindow, index: int, on: bool) -> None:
    splitter = window.splitter
    sizes = splitter.sizes()
    if on == (sizes[index] > 0):
        return
    if on:
        want = max(splitter.widget(index).minimumSizeHint().width(), 260)
        sizes[index] = want
        sizes[1] = max(100, sizes[1] - want)
    else:
        sizes[1] += sizes[index]
        sizes[index] = 0
    splitter.setSizes(sizes)
    _sync_toggles(window)


def _sync_toggles(window: QMainWindow) -> None:
    sizes = window.splitter.sizes()
    for action, index in ((window.toggle_sources_action, 0), (window.toggle_side_action, 2)):
        action.blockSignals(True)
        action.setChecked(sizes[index] > 0)
        action.blockSignals(False)


def available(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)


def fit_to_screen(window: QMainWindow, area: QRect | None = None) -> None:
    """Size and place the window inside `area` (the screen's available geometry by default),
    frame and title bar included; a restored geometry that no longer fits is pulled back in."""
    area = area or available(window)
    fw, fh = FRAME_ALLOWANCE
    max_w, max_h = max(400, area.width() - fw), max(300, area.height() - fh)
    geo = window.geometry()
    restored = window.property("restored_geometry") is True
    w = min(geo.width() if restored else PREFERRED[0], max_w)
    h = min(geo.height() if restored else PREFERRED[1], max_h)
    w, h = max(w, min(window.minimumSizeHint().width(), max_w)), max(h, min(window.minimumSizeHint().height(), max_h))
    window.resize(w, h)
    x, y = (geo.x(), geo.y()) if restored else (area.x() + (area.width() - w - fw) // 2,
                                                  area.y() + (area.height() - h - fh) // 2)
    x = min(max(x, area.x()), area.right() - w - fw + 1)
    y = min(max(y, area.y()), area.bottom() - h - fh + 1)
    window.move(max(x, area.x()), max(y, area.y()))
    if window.property("restored_splitter") is not True and getattr(window, "splitter", None) is not None:
        balance_panes(window, w)  # a window still without its panes shares the room when they come


def tabs_width(tabs) -> int:
    """The width a tab widget needs to show every tab whole, frame included."""
    bar = tabs.tabBar()
    return sum(bar.tabSizeHint(i).width() for i in range(bar.count())) + 8


def balance_panes(window: QMainWindow, width: int | None = None) -> None:
    """Share the width: the right pane as wide as its controls need (no sideways scrolling when the
    screen allows), the sources list a fair column, the previews the rest (and all growth)."""
    width = width or window.width()
    splitter = window.splitter
    side = window.side.minimumSizeHint().width() + 44  # and room for a vertical scroll bar
    side_tabs = tabs_width(window.side)
    side = max(SIDE_MIN, side_tabs, min(side, int(width * 0.4)))
    sources = max(220, min(330, int(width * 0.22)))
    room = width - 2 * splitter.handleWidth()
    middle = max(200, room - side - sources)
    # Every preview tab whole (no scroll arrows): the right pane gives way first (it scrolls
    # sideways, its own tabs still whole), then the sources list, down to a narrow column.
    short = tabs_width(window.tabs) - middle
    if short > 0:
        give = min(short, side - max(SIDE_MIN, side_tabs))
        side, middle, short = side - give, middle + give, short - give
    if short > 0:
        give = min(short, sources - SOURCES_NARROW)
        sources, middle = sources - give, middle + give
    splitter.setSizes([sources, middle, side])
    for index, stretch in ((0, 0), (1, 1), (2, 0)):
        splitter.setStretchFactor(index, stretch)
