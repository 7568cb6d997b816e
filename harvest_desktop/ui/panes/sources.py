"""The Sources pane: every item with its status, a tick box for what goes into a generation, and
the choices a near-duplicate calls for. It follows the library's change feed (ui/changes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMenu, QPushButton, QStyle,
                               QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from harvest_desktop.core import status as m

if TYPE_CHECKING:
    from harvest_desktop.store.models import Output, Source

ID_ROLE = Qt.ItemDataRole.UserRole


KEEP_BOTH = "keep-both"  # the decision stored on the source (store/repositories.py)


def kept_both(src: Source) -> bool:
    return getattr(src, "similar_decision", None) == KEEP_BOTH


def status_text(src: Source, names: dict[int, str]) -> str:
    """One line the person can act on: what happened, and with which other source."""
    if src.status == m.QUEUED:
        return "Queued"
    if src.status == m.HARVESTING:
        return "Harvesting…"
    if src.status == m.FAILED:
        return f"Failed: {src.error or 'unknown reason'}"
    if src.status == m.CANCELLED:
        return "Cancelled (Resume to read it)"
    if src.status == m.DUPLICATE:
        other = names.get(src.duplicate_of or -1, f"#{src.duplicate_of}")
        return f"Duplicate of {other} (same text)"
    if src.status == m.READY and src.similar_to is not None:
        other = names.get(src.similar_to, f"#{src.similar_to}")
        pct = f"{src.similarity:.0%}" if src.similarity is not None else "Very"
        if kept_both(src):
            return f"Ready; {pct} similar to {other}, both kept"
        return f"Ready; {pct} similar to {other}"
    return "Ready"


OCR_HINT = ("Scanned pages carry pictures of text, not text: make a searchable copy with OCR "
            "(for example `ocrmypdf in.pdf out.pdf`, which uses Tesseract) and add that copy.")


def problem_text(src: Source) -> str:
    """The whole reason a source failed, with what to do about it, for the line under the table."""
    if src.status == m.CANCELLED:
        return (f"{src.title or src.name}: harvesting was cancelled. Resume reads it again from the start; "
                "Remove takes it out of the library.")
    reason = src.error or "unknown reason"
    text = f"{src.title or src.name} could not be read: {reason}"
    low = reason.lower()
    if ("no text" in low or "scanned" in low or "image" in low) and "ocr" not in low:
        text += "\n" + OCR_HINT
    return text


def needs_decision(src: Source) -> bool:
    return src.status == m.DUPLICATE or (src.status == m.READY and src.similar_to is not None
                                         and not kept_both(src))


def _made_here_viewport() -> QWidget:
    """The list's viewport, made in Python and set up as Qt sets up its own (Base background, filled).

    The first time PySide hands Python a plain QWidget that C++ made (the default viewport), it
    resolves every QWidget subclass it knows to find the object's type: about 20 ms of CPU before the
    window's first paint. A viewport made here already has its Python object, so nothing is resolved.
    """
    from PySide6.QtGui import QPalette

    viewport = QWidget()
    viewport.setObjectName("qt_scrollarea_viewport")
    viewport.setBackgroundRole(QPalette.ColorRole.Base)
    viewport.setAutoFillBackground(True)
    return viewport


class SourcesPane(QWidget):
    selected = Signal(object)  # source id or None
    remove_requested = Signal(int)
    keep_both_requested = Signal(int)
    keep_newer_requested = Signal(int)
    ticked_changed = Signal(object)  # list of the ready sources ticked for generation
    retry_requested = Signal(int)
    show_file_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sources pane")
        self.sources: dict[int, Source] = {}
        self.items: dict[int, QTreeWidgetItem] = {}
        self.unticked: set[int] = set()  # ready sources the person left out of generation
        self.held_back: set[int] = set()  # removed, waiting for Undo (ui/undo_remove.py): not shown
        self._ticked: list[int] = []

        self.add_row = QHBoxLayout()
        self.tree = QTreeWidget()
        self.tree.setViewport(_made_here_viewport())
        self.tree.setHeaderLabels(["Source", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("Sources")
        self.tree.setToolTip("Files and pages in your library; drop more onto the window. "
                             "Ticked ready sources go into what you generate.")
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name gives way, not the status
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        self.tree.setColumnWidth(1, 130)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # names elide instead
        self.tree.viewport().installEventFilter(self)  # the Status column shrinks with a narrow pane
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        # First run: what to do, right where the list will be; it goes once there is something.
        self.empty_hint = QLabel("Drop files, folders or web links here\n\nor use Add files…, Add folder… or Add URL… "
                                 "above.\nMarkdown, text, PDF, HTML, Word, PowerPoint, ODT, RTF and EPUB are read.")
        self.empty_hint.setAccessibleName("Drop hint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: palette(placeholder-text); padding: 12px;")
        hint_layout = QVBoxLayout(self.tree.viewport())
        hint_layout.addWidget(self.empty_hint)
        self.dragging = False
        self.problem = QLabel("")
        self.problem.setAccessibleName("Problem with the selected source")
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setVisible(False)
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self.tree.itemChanged.connect(self._on_item_changed)

        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove source")
        self.remove_button.setToolTip("Remove the selected source and its text from the library (Delete)")
        self.remove_button.clicked.connect(lambda: self._emit(self.remove_requested))
        self.retry_button = QPushButton("Retry")
        self.retry_button.setAccessibleName("Retry the selected source")
        self.retry_button.setToolTip("Read the selected source again")
        self.retry_button.clicked.connect(lambda: self._emit(self.retry_requested))
        self.retry_button.setVisible(False)

        self.decision = QWidget()
        self.decision.setAccessibleName("Duplicate decision")
        self.decision_label = QLabel("")
        self.decision_label.setWordWrap(True)
        self.decision_label.setAccessibleName("Duplicate explanation")
        self.skip_button = QPushButton("Skip this one")
        self.skip_button.setAccessibleName("Skip duplicate")
        self.skip_button.setToolTip("Remove the selected source; keep the one it resembles")
        self.skip_button.clicked.connect(lambda: self._emit(self.remove_requested))
        self.keep_both_button = QPushButton("Keep both")
        self.keep_both_button.setAccessibleName("Keep both sources")
        self.keep_both_button.setToolTip("Keep both sources and stop flagging them")
        self.keep_both_button.clicked.connect(lambda: self._emit(self.keep_both_requested))
        self.keep_newer_button = QPushButton("Keep the newer")
        self.keep_newer_button.setAccessibleName("Keep the newer source")
        self.keep_newer_button.setToolTip("Remove whichever of the two was added first")
        self.keep_newer_button.clicked.connect(lambda: self._emit(self.keep_newer_requested))
        dl = QVBoxLayout(self.decision)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.decision_label)
        buttons = QHBoxLayout()
        for b in (self.skip_button, self.keep_both_button, self.keep_newer_button):
            buttons.addWidget(b)
        dl.addLayout(buttons)
        self.decision.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.add_row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.decision)
        actions = QHBoxLayout()
        actions.addWidget(self.retry_button)
        actions.addWidget(self.remove_button)
        layout.addLayout(actions)
        self._update_buttons()

    def add_action_buttons(self, actions: Iterable) -> None:
        for action in actions:
            b = QToolButton()
            b.setDefaultAction(action)
            b.setAccessibleName(action.text().replace("…", "").replace("&", ""))
            short = action.text().replace("&", "")
            if short.startswith("Add "):  # "Files…", "Folder…", "URL…" beside their icons: fits narrow panes
                short = short[4:5].upper() + short[5:]
            b.setText(short)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setToolTip(action.toolTip())
            action.changed.connect(lambda b=b, short=short: b.setText(short))  # the action re-syncs its text
            self.add_row.addWidget(b)
        self.add_row.addStretch(1)

    # -- model updates ----------------------------------------------------------------------------
    def _names(self) -> dict[int, str]:
        return {i: (s.title or s.name) for i, s in self.sources.items()}

    def bind(self, feed) -> None:
        """Follow the library: rows change when the sources they show change (ui/changes.py)."""
        feed.sources_updated.connect(self.apply_update)

    def apply_update(self, sources: Iterable[Source], removed: Iterable[int] = ()) -> None:
        for source_id in removed:
            self.drop_source(source_id)
        for src in sources:
            self.update_source(src)

    def set_sources(self, sources: Iterable[Source]) -> None:
        keep = self.selected_id()
        self.sources = {s.id: s for s in sources if s.id is not None}
        self.tree.blockSignals(True)
        self.tree.clear()
        self.items.clear()
        for src in self.sources.values():
            self._make_item(src)
        if keep in self.items:
            self.items[keep].setSelected(True)
        self.tree.blockSignals(False)
        self._refresh_texts()
        self._emit_ticked()

    def update_source(self, src: Source) -> None:
        if src.id is None or src.id in self.held_back:
            return
        self.sources[src.id] = src
        if src.id not in self.items:
            self._make_item(src)
        names = self._names()
        self._refresh_item(src, names)
        # Only rows that name this source (similar to / duplicate of it) change with it.
        for other in self.sources.values():
            if other.id != src.id and src.id in (other.similar_to, other.duplicate_of):
                self._refresh_item(other, names)
        if src.id == self.selected_id():
            self._update_buttons()
        self._refresh_hint()
        self._emit_ticked()

    def drop_source(self, source_id: int) -> None:
        if self.sources.pop(source_id, None) is None and source_id not in self.items:
            return
        self.unticked.discard(source_id)
        item = self.items.pop(source_id, None)
        if item is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        self._refresh_texts()
        self._emit_ticked()

    def _make_item(self, src: Source) -> QTreeWidgetItem:
        item = QTreeWidgetItem([src.title or src.name, ""])
        item.setData(0, ID_ROLE, src.id)
        self.tree.addTopLevelItem(item)
        self.items[src.id] = item
        return item

    def _refresh_item(self, src: Source, names: dict[int, str] | None = None) -> None:
        item = self.items[src.id]
        names = self._names() if names is None else names
        text = status_text(src, names)
        self.tree.blockSignals(True)
        try:
            item.setText(0, src.title or src.name)
            item.setText(1, text)
            item.setToolTip(0, src.location)
            item.setToolTip(1, text)
            flags = item.flags()
            if src.status == m.READY:  # only text that is there can go into a generation
                item.setFlags(flags | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked if src.id in self.unticked
                                   else Qt.CheckState.Checked)
            else:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsUserCheckable)
                item.setData(0, Qt.ItemDataRole.CheckStateRole, None)
        finally:
            self.tree.blockSignals(False)

    def _refresh_texts(self) -> None:
        names = self._names()
        for src in self.sources.values():
            self._refresh_item(src, names)
        self._update_buttons()

    # -- generation scope -------------------------------------------------------------------------
    def ticked_ids(self) -> list[int]:
        """Ready sources ticked for generation (all of them unless the person unticked some)."""
        return [sid for sid, s in self.sources.items() if s.status == m.READY and sid not in self.unticked]

    def all_ready_ticked(self) -> bool:
        return not any(s.status == m.READY and sid in self.unticked for sid, s in self.sources.items())

    def set_ticked(self, source_id: int, on: bool) -> None:
        item = self.items.get(source_id)
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0 or not item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return
        sid = item.data(0, ID_ROLE)
        if item.checkState(0) == Qt.CheckState.Checked:
            self.unticked.discard(sid)
        else:
            self.unticked.add(sid)
        self._emit_ticked()

    def _emit_ticked(self) -> None:
        ticked = self.ticked_ids()
        if ticked != self._ticked:
            self._ticked = ticked
            self.ticked_changed.emit(ticked)

    def status_of(self, source_id: int) -> str:
        item = self.items.get(source_id)
        return item.text(1) if item is not None else ""

    # -- selection and decisions ------------------------------------------------------------------
    def selected_id(self) -> int | None:
        items = self.tree.selectedItems()
        return items[0].data(0, ID_ROLE) if items else None

    def select(self, source_id: int) -> None:
        item = self.items.get(source_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def _on_selection(self) -> None:
        self._update_buttons()
        self.selected.emit(self.selected_id())

    def _emit(self, signal) -> None:
        sid = self.selected_id()
        if sid is not None:
            signal.emit(sid)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            width = event.size().width()
            self.tree.setColumnWidth(1, max(60, min(150, int(width * 0.38))))
        return super().eventFilter(watched, event)

    # -- empty state, drag highlight, context menu ------------------------------------------------
    def set_dragging(self, on: bool) -> None:
        """Light the list up while files are dragged over the window."""
        if on == self.dragging:
            return
        self.dragging = on
        self.tree.setStyleSheet("QTreeWidget { border: 2px dashed palette(highlight); "
                                "background: palette(alternate-base); }" if on else "")
        if on:
            self.empty_hint.setText("Drop to add to your library")
        else:
            self._refresh_hint()

    def _refresh_hint(self) -> None:
        if not self.dragging:
            self.empty_hint.setText("Drop files, folders or web links here\n\nor use Add files…, Add folder… or "
                                    "Add URL… above.\nMarkdown, text, PDF, HTML, Word, PowerPoint, ODT, RTF and "
                                    "EPUB are read.")
        self.empty_hint.setVisible(not self.sources or self.dragging)

    def context_actions(self, source_id: int) -> list[tuple[str, object, bool]]:
        """(label, signal, enabled) for a source's menu: Retry, Remove, Show file / Open page."""
        src = self.sources.get(source_id)
        if src is None:
            return []
        is_url = getattr(src, "kind", "") == "url" or str(src.location).startswith(("http://", "https://"))
        if src.status == m.CANCELLED:
            return [("Resume", self.retry_requested, True),
                    ("Remove", self.remove_requested, True),
                    ("Open page" if is_url else "Show file", self.show_file_requested, True)]
        return [("Retry", self.retry_requested, src.status == m.FAILED),
                ("Remove", self.remove_requested, src.status != m.HARVESTING),
                ("Open page" if is_url else "Show file", self.show_file_requested, True)]

    def _context_menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        sid = item.data(0, ID_ROLE)
        self.tree.setCurrentItem(item)
        menu = self.build_context_menu(sid)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def build_context_menu(self, source_id: int) -> QMenu:
        menu = QMenu(self)
        menu.setAccessibleName("Source actions")
        icons = {"Retry": QStyle.StandardPixmap.SP_BrowserReload, "Resume": QStyle.StandardPixmap.SP_MediaPlay, "Remove": QStyle.StandardPixmap.SP_TrashIcon,
                 "Show file": QStyle.StandardPixmap.SP_DirOpenIcon, "Open page": QStyle.StandardPixmap.SP_DirLinkIcon}
        for label, signal, enabled in self.context_actions(source_id):
            action = menu.addAction(self.style().standardIcon(icons[label]), label)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _=False, sig=signal: sig.emit(source_id))
        return menu

    def _update_buttons(self) -> None:
        sid = self.selected_id()
        src = self.sources.get(sid) if sid is not None else None
        self._refresh_hint()
        failed = src is not None and src.status in (m.FAILED, m.CANCELLED)
        self.problem.setVisible(failed)
        self.problem.setText(problem_text(src) if failed and src is not None else "")
        self.retry_button.setVisible(failed)
        if src is not None:
            self.retry_button.setText("Resume" if src.status == m.CANCELLED else "Retry")
            self.retry_button.setAccessibleName(f"{self.retry_button.text()} the selected source")
        self.remove_button.setEnabled(src is not None and src.status != m.HARVESTING)
        show = src is not None and needs_decision(src)
        self.decision.setVisible(show)
        if show and src is not None:
            self.decision_label.setText(status_text(src, self._names()) + ". What should Harvest keep?")
            self.keep_both_button.setEnabled(src.status != m.DUPLICATE)
            self.keep_newer_button.setEnabled(src.status != m.DUPLICATE)
