"""Search over the library: passages with their source and page."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import (QLabel, QLineEdit, QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem, QVBoxLayout, QWidget)

from harvest_desktop.ui.text import plural

QUERY_ROLE = Qt.ItemDataRole.UserRole + 7  # the query a result row was found for
_STOP = {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
         "that", "the", "to", "was", "what", "when", "where", "which", "who", "why", "with", "how"}


def terms(query: str) -> list[str]:
    """The words of a query worth marking in a result (no stop words, no one-letter words)."""
    words = re.findall(r"\w[\w'-]*", query.lower())
    return [w for w in dict.fromkeys(words) if len(w) > 1 and w not in _STOP]


def highlight_html(text: str, query: str) -> str:
    """The text as HTML with the query's words (and words starting with them) in bold."""
    words = terms(query)
    if not words:
        return escape(text).replace("\n", "<br>")
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\w*",
                         re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f"<b>{escape(m.group(0))}</b>")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


class HighlightDelegate(QStyledItemDelegate):
    """Draws a result row as rich text: the first line (source, page) muted, the query's words bold."""

    def _doc(self, option: QStyleOptionViewItem, index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        query = index.data(QUERY_ROLE) or ""
        head, _, body = text.partition("\n")
        doc.setHtml(f"<div style='opacity:0.75'><i>{escape(head)}</i></div>{highlight_html(body, query)}")
        doc.setTextWidth(max(100, option.rect.width() - 8))
        return doc

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._doc(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        ctx.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.save()
        painter.translate(opt.rect.left() + 4, opt.rect.top() + 2)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt override)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = opt.widget.viewport().width() if opt.widget is not None else 400
        opt.rect.setWidth(width)
        doc = self._doc(opt, index)
        return QSize(width, int(doc.size().height()) + 6)


def hit_label(hit) -> str:
    where = [hit.source_name]
    if hit.page:
        where.append(f"p. {hit.page}")
    if hit.heading_path:
        where.append("§ " + hit.heading_path.split(" > ")[-1])
    snippet = " ".join(hit.text.split())
    if len(snippet) > 300:
        snippet = snippet[:299] + "…"
    return f"{' · '.join(where)}\n{snippet}"


class SearchPane(QWidget):
    search_requested = Signal(str)
    hit_opened = Signal(object)  # the hit whose passage to show in its source

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Search pane")
        self.box = QLineEdit()
        self.box.setPlaceholderText("Search your library…")
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName("Search the library")
        self.box.setToolTip("Find passages in every ready source (Ctrl+F); press Enter to search")
        self.box.returnPressed.connect(lambda: self.search_requested.emit(self.box.text().strip()))
        self.summary = QLabel("")
        self.summary.setAccessibleName("Search summary")
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setItemDelegate(HighlightDelegate(self.results))
        self.results.setSpacing(2)
        self.results.setAccessibleName("Search results")
        self.results.setToolTip("Passages that match, with their source and page; double-click or Enter "
                                "opens the passage in its source")
        self.results.itemActivated.connect(self._open)
        self.hits: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.box)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

    def show_hits(self, query: str, hits) -> None:
        self.results.clear()
        self.hits = list(hits)
        for i, hit in enumerate(hits):
            item = QListWidgetItem(hit_label(hit))
            item.setToolTip(hit.text[:2000])
            item.setData(QUERY_ROLE, query)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.results.addItem(item)
        self.summary.setText(f"{plural(len(hits), 'passage')} for “{query}”" if hits else f"Nothing found for “{query}”.")

    def _open(self, item: QListWidgetItem) -> None:
        i = item.data(Qt.ItemDataRole.UserRole)
        if i is not None and 0 <= int(i) < len(self.hits):
            self.hit_opened.emit(self.hits[int(i)])
