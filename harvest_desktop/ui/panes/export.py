"""The Export pane: file type, name and folder, a preview of the first page; never overwrites silently.

The file types offered come from the export registry for the selected output's format, so the pane
never offers a type that cannot be written."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)


def _labels() -> dict[str, str]:
    from harvest_desktop.export import EXPORTERS

    return {e.ext: e.label for e in EXPORTERS}


def default_export_dir() -> str:
    """The person's Documents folder when there is one, else home: never the launch folder."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and Path(docs).is_dir() else str(Path.home())


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
        self.name = QLineEdit()
        self.name.setAccessibleName("File name")
        self.name.setToolTip("Name of the file to write, without the extension")
        self.name.setPlaceholderText("file name")
        self.folder = QLineEdit(last_dir if last_dir and Path(last_dir).is_dir() else default_export_dir())
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
        self.preview = QLabel()
        self.preview.setAccessibleName("First page preview")
        self.preview.setToolTip("The first page of the PDF export")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(0)
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
        name_label = QLabel("File name:")
        name_label.setBuddy(self.name)
        layout.addWidget(type_label)
        layout.addWidget(self.kind)
        layout.addWidget(name_label)
        layout.addWidget(self.name)
        layout.addWidget(folder_label)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.info)
        layout.addWidget(self.preview, 1)
        layout.addStretch(1)
        self.set_output(None)

    def set_output(self, out, format_extensions: tuple[str, ...] | None = None) -> None:
        """Offer exactly the file types the export registry can write for this output's format."""
        current = self.kind.currentData()
        self.kind.clear()
        exts: list[str] = []
        if out is not None:  # the registry loads with the first output, not before the first paint
            from harvest_desktop.export import extensions_for

            exts = list(format_extensions or extensions_for(out.format))
        labels = _labels() if exts else {}
        for ext in exts:
            self.kind.addItem(f"{labels.get(ext, ext.lstrip('.').upper())} ({ext})", ext)
        if current is not None:
            i = self.kind.findData(current)
            if i >= 0:
                self.kind.setCurrentIndex(i)
        self.export_button.setEnabled(bool(exts))
        self.preview.clear()
        if out is None:
            self.name.clear()
            self.info.setText("Generate something first, then export it.")
        else:
            self.name.setText(safe_file_stem(out.title))
            self.info.setText(f"Ready to export “{out.title}”.")

    def set_preview(self, png: bytes) -> None:
        pix = QPixmap()
        if pix.loadFromData(png, "PNG"):
            width = max(120, min(self.width() - 16, 360))
            self.preview.setPixmap(pix.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation))

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
        typed = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "", self.name.text()).strip().strip(".")
        if typed.lower().endswith(ext):
            typed = typed[: -len(ext)].rstrip(".")
        stem = typed[:120] or safe_file_stem(title)
        return Path(folder).expanduser() / (stem + ext)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if folder:
            self.folder.setText(folder)
