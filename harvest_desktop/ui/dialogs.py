"""Small dialogs the main window owns."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout,
                               QWidget)

from harvest_desktop.ui.dnd import items_from_text


class AddUrlDialog(QDialog):
    """Paste or type web addresses, one per line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add URLs")
        self.setAccessibleName("Add URLs")
        label = QLabel("Web addresses to harvest, one per line:")
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName("URLs, one per line")
        self.edit.setToolTip("http:// or https:// addresses; robots.txt and rate limits are respected")
        self.edit.setPlaceholderText("https://example.org/article")
        label.setBuddy(self.edit)
        self.section = QCheckBox("Also harvest the pages each one links to on the same site (one level)")
        self.section.setAccessibleName("Harvest this section")
        self.section.setToolTip("Follows links one level down, only on the same site, under robots.txt "
                                "and the rate limit")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Add URLs")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(self.section)
        layout.addWidget(buttons)
        self.resize(520, 240)

    def urls(self) -> list[str]:
        return items_from_text(self.edit.toPlainText())


def ask_urls(parent: QWidget) -> tuple[list[str], bool]:
    """The URLs typed, and whether to harvest each one's section; ([], False) when cancelled."""
    dialog = AddUrlDialog(parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return [], False
        return dialog.urls(), dialog.section.isChecked()
    finally:
        dialog.deleteLater()
