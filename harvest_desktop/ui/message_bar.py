"""The window's message line for known problems (made with the panes, after the first paint)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class MessageBar(QWidget):
    """Non-modal messages about known problems: the item, what went wrong, what to do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Messages")
        self.lines: list[str] = []
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Message text")
        self.label.setStyleSheet("color: #8a3b00;")
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setAccessibleName("Dismiss messages")
        self.dismiss.setToolTip("Hide these messages")
        self.dismiss.clicked.connect(self.clear)
        # One action a message may offer (e.g. "Repair library"); hidden when there is none.
        self.action = QPushButton()
        self.action.setVisible(False)
        self.action.setAccessibleName("Message action")
        self.action.clicked.connect(self._run_action)
        self._action: Callable[[], None] | None = None
        self._action_line = ""  # the line the action belongs to
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.action)
        row.addWidget(self.dismiss)
        self.setVisible(False)

    def add(self, text: str, action: tuple[str, Callable[[], None]] | None = None) -> None:
        if text in self.lines:  # the same fault from several jobs: said once
            self.lines.remove(text)
        self.lines = (self.lines + [text])[-6:]
        self.label.setText("\n".join(self.lines))
        if action is not None:
            label, self._action = action
            self._action_line = text
            self.action.setText(label)
            self.action.setAccessibleName(label)
            self.action.setVisible(True)
        self.setVisible(True)

    def drop(self, text: str) -> None:
        """Take one line (and the action offered with it) away; hide when none is left."""
        if text not in self.lines:
            return
        self.lines.remove(text)
        self.label.setText("\n".join(self.lines))
        if self._action_line == text:  # its action goes with it; another line's stays
            self._action = None
            self.action.setVisible(False)
        if not self.lines:
            self.setVisible(False)

    def _run_action(self) -> None:
        action, self._action = self._action, None
        self.action.setVisible(False)
        if action is not None:
            action()

    def clear(self) -> None:
        self.lines = []
        self.label.setText("")
        self._action = None
        self.action.setVisible(False)
        self.setVisible(False)
