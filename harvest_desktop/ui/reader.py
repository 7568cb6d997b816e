"""The source preview as a book: an outline to jump through, styled headings, page markers, and the
whole text loaded as you scroll; a citation opens it at its page with the passage highlighted."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (QSplitter, QTextBrowser, QTextEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

BATCH = 300  # blocks appended at a time; more follow as the reader nears the end
_KIND_STYLE = {
    "caption": 'style="color:#777; font-style:italic;"',
    "sidebar": 'style="color:#555; background-color:rgba(127,127,127,0.12);"',
    "reference": 'style="font-size:small;"',
    "footnote": 'style="font-size:small; color:#777;"',
    "quote": 'style="margin-left:18px; font-style:italic;"',
}


def _norm(text: str) -> str:
    return " ".join(text.split())


def block_html(i: int, b) -> str:
    """One block as rich text, with an anchor b<i> to scroll to."""
    text = html.escape(_norm(b.text))
    anchor = f'<a name="b{i}"></a>'
    if b.kind == "heading":
        level = min(4, max(1, b.level or 1)) + 1
        return f"<h{level}>{anchor}{text}</h{level}>"
    if b.kind == "list_item":
        indent = 18 * max(1, b.level or 1)
        return f'<p style="margin-left:{indent}px;">{anchor}• {text}</p>'
    if b.kind in ("code", "table"):
        return f"<pre>{anchor}{html.escape(b.text)}</pre>"
    if b.kind == "term" and b.term and _norm(b.text).startswith(_norm(b.term)):
        term = _norm(b.term)  # the words as the book prints them, the term in bold
        return f"<p>{anchor}<b>{html.escape(term)}</b>{html.escape(_norm(b.text)[len(term):])}</p>"
    return f"<p {_KIND_STYLE.get(b.kind, '')}>{anchor}{text}</p>"


class BookReader(QWidget):
    """Outline on the left (collapsible), the book on the right."""

    heading_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outline = QTreeWidget()
        self.outline.setHeaderHidden(True)
        self.outline.setAccessibleName("Outline")
        self.outline.setToolTip("Chapters and sections: click one to jump to it")
        self.outline.itemActivated.connect(self._jump)
        self.outline.itemClicked.connect(self._jump)
        self.view = QTextBrowser()
        self.view.setAccessibleName("Extracted text")
        self.view.setToolTip("The text Harvest extracted from the selected source")
        self.view.setOpenLinks(False)
        self.view.verticalScrollBar().valueChanged.connect(self._maybe_load_more)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.outline)
        self.split.addWidget(self.view)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([180, 520])
        self.split.setChildrenCollapsible(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.split)
        self.blocks: list = []
        self.loaded = 0
        self.source_id: int | None = None

    # -- content ----------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.blocks, self.loaded, self.source_id = [], 0, None
        self.outline.clear()
        self.outline.setVisible(False)
        self.view.setPlainText(text)

    def show_document(self, source_id: int, doc) -> None:
        self.source_id = source_id
        self.blocks = list(doc.blocks)
        self.loaded = 0
        self.view.clear()
        self._build_outline()
        self._load_until(min(len(self.blocks), BATCH) - 1)
        self.view.moveCursor(QTextCursor.MoveOperation.Start)

    def _build_outline(self) -> None:
        self.outline.clear()
        stack: list[tuple[int, QTreeWidgetItem | None]] = [(0, None)]
        count = 0
        for i, b in enumerate(self.blocks):
            if b.kind != "heading":
                continue
            level = max(1, b.level or 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            label = _norm(b.text)[:120]
            if b.page:
                label += f"  · p. {b.page}"
            item = QTreeWidgetItem([label])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setToolTip(0, _norm(b.text))
            if parent is None:
                self.outline.addTopLevelItem(item)
            else:
                parent.addChild(item)
            stack.append((level, item))
            count += 1
        self.outline.setVisible(count > 0)
        self.outline.expandToDepth(0)

    def _load_until(self, index: int) -> None:
        """Append blocks through `index` (page markers between pages)."""
        if index < self.loaded:
            return
        parts = []
        last_page = self.blocks[self.loaded - 1].page_end if self.loaded else None
        for i in range(self.loaded, min(index + 1, len(self.blocks))):
            b = self.blocks[i]
            if b.page and b.page != last_page:
                parts.append(f'<p style="color:#888; font-size:small;" align="right">'
                             f'<a name="p{b.page}"></a>— page {b.page} —</p>')
            parts.append(block_html(i, b))
            last_page = b.page_end or last_page
        self.loaded = min(index + 1, len(self.blocks))
        bar = self.view.verticalScrollBar()
        keep = bar.value()
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertHtml("".join(parts))
        bar.setValue(keep)

    def _maybe_load_more(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        if self.loaded < len(self.blocks) and value >= bar.maximum() - bar.pageStep():
            self._load_until(self.loaded + BATCH - 1)

    # -- navigation ---------------------------------------------------------------------------------
    def _jump(self, item: QTreeWidgetItem) -> None:
        i = item.data(0, Qt.ItemDataRole.UserRole)
        if i is not None:
            self.goto_block(int(i))
            self.heading_chosen.emit(int(i))

    def goto_block(self, index: int) -> None:
        self._load_until(index + 20)
        self.view.scrollToAnchor(f"b{index}")

    def block_for(self, page: int | None, quote: str = "") -> int | None:
        """The block that holds `quote` on `page` (or the first block of that page)."""
        want = _norm(quote)[:60].casefold()
        first_on_page = None
        for i, b in enumerate(self.blocks):
            lo, hi = b.page or 0, b.page_end or b.page or 0
            on_page = page is None or (lo <= page <= hi)
            if on_page and first_on_page is None and page is not None:
                first_on_page = i
            if want and on_page and want in _norm(b.text).casefold():
                return i
        if first_on_page is not None:
            return first_on_page
        if page is not None:  # a page with no block of its own: the nearest one after it
            later = [i for i, b in enumerate(self.blocks) if (b.page or 0) >= page]
            return later[0] if later else None
        return None

    def goto_passage(self, page: int | None, quote: str = "") -> bool:
        """Scroll to the page (and the passage, highlighted); False when nothing matches."""
        index = self.block_for(page, quote)
        if index is None:
            return False
        self.goto_block(index)
        self.highlight(quote)
        return True

    def highlight(self, quote: str) -> None:
        words = _norm(quote)
        if not words:
            self.view.setExtraSelections([])
            return
        doc = self.view.document()
        found = doc.find(words[:80])
        half = len(words) // 2
        for piece in (words[:30], words[half:half + 30], words[-30:]):  # a quote cut differently
            if not found.isNull():
                break
            found = doc.find(piece)
        if found.isNull():
            self.view.setExtraSelections([])
            return
        if len(words) > 80:  # stretch the mark over the whole passage where the text matches
            end = doc.find(words[-40:], found.position())
            if not end.isNull():
                found.setPosition(found.anchor())
                found.setPosition(end.position(), QTextCursor.MoveMode.KeepAnchor)
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(255, 214, 0, 110))
        sel.format = fmt
        sel.cursor = found
        self.view.setExtraSelections([sel])
        cursor = QTextCursor(found)
        cursor.clearSelection()
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    def highlighted_text(self) -> str:
        sels = self.view.extraSelections()
        return sels[0].cursor.selectedText() if sels else ""

    def find(self, text: str) -> bool:
        return not self.view.document().find(text, 0, QTextDocument.FindFlag(0)).isNull()
