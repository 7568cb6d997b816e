"""Tab pages built the first time they are shown or asked for, so the window maps without them.

A hidden tab (Search, Ask, Concepts, Usage, Export, Keys) costs its module's imports and its widgets
before the first paint although nobody sees it yet. Each one starts as an empty placeholder page;
the real pane is made when its tab is chosen or when code asks for it (`get`), then put in the
placeholder's place with the same label and tooltip, and `on_built` wires it (signals, the change
feed, the state the window already has).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QTabWidget, QWidget


@dataclass
class _Pending:
    tabs: QTabWidget
    placeholder: QWidget
    factory: Callable[[], QWidget]
    on_built: Callable[[QWidget], None] | None
    wrap: Callable[[QWidget, str], QWidget] | None


class LazyTabs:
    """Placeholders in tab widgets, swapped for their panes on first show or first use."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self._built: dict[str, QWidget] = {}
        self._watched: list[QTabWidget] = []

    def add(self, name: str, tabs: QTabWidget, label: str, factory: Callable[[], QWidget], *,
            on_built: Callable[[QWidget], None] | None = None,
            wrap: Callable[[QWidget, str], QWidget] | None = None, tooltip: str = "") -> None:
        """A tab whose page `factory` makes later; `wrap` may put the page in a holder (a scroll area)."""
        placeholder = QWidget()
        placeholder.setObjectName(f"{name}-placeholder")
        placeholder.setAccessibleName(label)
        index = tabs.addTab(placeholder, label)
        if tooltip:
            tabs.setTabToolTip(index, tooltip)
        self._pending[name] = _Pending(tabs, placeholder, factory, on_built, wrap)
        if not any(t is tabs for t in self._watched):
            self._watched.append(tabs)
            # Connected before anyone else's slot on this signal: a pane is built before it is shown.
            tabs.currentChanged.connect(lambda i, tabs=tabs: self._shown(tabs, i))

    def get(self, name: str) -> QWidget:
        """The pane, built now if it was not yet."""
        built = self._built.get(name)
        if built is not None:
            return built
        return self._build(name)

    def built(self, name: str) -> QWidget | None:
        """The pane if it has been built, else None (nothing is built by asking)."""
        return self._built.get(name)

    def pending(self) -> list[str]:
        return list(self._pending)

    def build_all(self) -> None:
        for name in list(self._pending):
            self._build(name)

    def _shown(self, tabs: QTabWidget, index: int) -> None:
        page = tabs.widget(index)
        for name, p in list(self._pending.items()):
            if p.tabs is tabs and p.placeholder is page:
                self._build(name)
                return

    def _build(self, name: str) -> QWidget:
        p = self._pending.pop(name)
        pane = p.factory()
        self._built[name] = pane
        tabs = p.tabs
        index = tabs.indexOf(p.placeholder)
        text, tip = tabs.tabText(index), tabs.tabToolTip(index)
        page = p.wrap(pane, text) if p.wrap is not None else pane
        current = tabs.currentIndex()
        tabs.blockSignals(True)  # the same tab stays current: nobody hears a change that did not happen
        try:
            tabs.removeTab(index)
            tabs.insertTab(index, page, text)
            tabs.setTabToolTip(index, tip)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(False)
        p.placeholder.deleteLater()
        if p.on_built is not None:
            p.on_built(pane)
        return pane
