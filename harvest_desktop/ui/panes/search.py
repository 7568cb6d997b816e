"""Search over the library: passages with their source and page."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


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
        self.results.setAccessibleName("Search results")
        self.results.setToolTip("Passages that match, with their source and page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.box)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

    def show_hits(self, query: str, hits) -> None:
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(hit_label(hit))
            item.setToolTip(hit.text[:2000])
            self.results.addItem(item)
        self.summary.setText(f"{len(hits)} passage(s) for “{query}”" if hits else f"Nothing found for “{query}”.")
