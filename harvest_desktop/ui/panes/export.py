"""The Export pane: pick a file type and a folder; the file lands there, never over another silently."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

LABELS = {".pdf": "PDF document", ".md": "Markdown", ".docx": "Word document", ".csv": "CSV table",
          ".json": "JSON data", ".apkg": "Anki deck", ".txt": "Plain text", ".html": "Web page"}


def supported_extensions() -> tuple[str, ...]:
    """What the export module can write; empty until it is installed."""
    try:
        from harvest_desktop.export import SUPPORTED_EXTENSIONS
    except ImportError:
        return ()
    return tuple(SUPPORTED_EXTENSIONS)


def safe_file_stem(title: str) -> str:
    stem = re.sub(r"[^\w\- ]+", "", title, flags=re.UNICODE).strip()
    stem = re.sub(r"\s+", " ", stem)
    return (stem or "harvest-output")[:80]


class ExportPane(QWidget):
    export_requested = Signal()
    show_folder_requested = Signal()

    def __init__(self, last_dir: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Export pane")
        self.kind = QComboBox()
        self.kind.setAccessibleName("File type")
        self.kind.setToolTip("The kind of file to write")
        self.folder = QLineEdit(last_dir or str(Path.home()))
        self.folder.setAccessibleName("Export folder")
        self.folder.setToolTip("Folder the file is written to; remembered for next time")
        self.choose = QPushButton("Choose…")
        self.choose.setAccessibleName("Choose export folder")
        self.choose.setToolTip("Pick the folder to export into")
        self.choose.clicked.connect(self._choose)
        self.export_button = QPushButton("Export")
        self.export_button.setAccessibleName("Export")
        self.export_button.setToolTip("Write the selected output to the folder (Ctrl+E)")
        self.export_button.clicked.connect(self.export_requested)
        self.show_button = QPushButton("Show in folder")
        self.show_button.setAccessibleName("Show in folder")
        self.show_button.setToolTip("Open the folder holding the last exported file")
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self.show_folder_requested)
        self.info = QLabel("Generate something first, then export it.")
        self.info.setWordWrap(True)
        self.info.setAccessibleName("Export status")
        self.last_path: Path | None = None

        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        type_label = QLabel("File type:")
        type_label.setBuddy(self.kind)
        folder_label = QLabel("Folder:")
        folder_label.setBuddy(self.folder)
        layout.addWidget(type_label)
        layout.addWidget(self.kind)
        layout.addWidget(folder_label)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.info)
        layout.addStretch(1)
        self.set_output(None)

    def set_output(self, out, format_extensions: tuple[str, ...] = (".md", ".pdf")) -> None:
        """Offer the file types both the format and the export module support."""
        current = self.kind.currentData()
        self.kind.clear()
        supported = supported_extensions()
        exts = [e for e in format_extensions if e in supported] if out is not None else []
        for ext in exts:
            self.kind.addItem(f"{LABELS.get(ext, ext.lstrip('.').upper())} ({ext})", ext)
        if current is not None:
            i = self.kind.findData(current)
            if i >= 0:
                self.kind.setCurrentIndex(i)
        self.export_button.setEnabled(bool(exts))
        if out is None:
            self.info.setText("Generate something first, then export it.")
        elif not supported:
            self.info.setText("Exporting is not available in this build.")
        else:
            self.info.setText(f"Ready to export “{out.title}”.")

    def extension(self) -> str | None:
        return self.kind.currentData()

    def set_extension(self, ext: str) -> bool:
        i = self.kind.findData(ext)
        if i >= 0:
            self.kind.setCurrentIndex(i)
        return i >= 0

    def target(self, title: str) -> Path | None:
        ext = self.extension()
        folder = self.folder.text().strip()
        if not ext or not folder:
            return None
        return Path(folder).expanduser() / (safe_file_stem(title) + ext)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if folder:
            self.folder.setText(folder)
