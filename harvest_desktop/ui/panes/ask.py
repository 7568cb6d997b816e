"""Ask the chosen sources a question: the answer is the passages that answer it, each cited (a click
opens the source at that page), or plainly "the sources do not say"."""

from __future__ import annotations

import json
from types import SimpleNamespace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QHBoxLayout, QVBoxLayout, QWidget

from harvest_desktop.ui.output_view import OutputView


class AskPane(QWidget):
    ask_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Ask pane")
        self.box = QLineEdit()
        self.box.setPlaceholderText("Ask a question of the ticked sources…")
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName("Question")
        self.box.setToolTip("Ask a question; the answer quotes the passages that answer it, with citations")
        self.box.returnPressed.connect(self._ask)
        self.button = QPushButton("Ask")
        self.button.setAccessibleName("Ask")
        self.button.setToolTip("Answer the question from the ticked sources (Enter)")
        self.button.clicked.connect(self._ask)
        self.status = QLabel("Answers come from your sources only, quoted and cited.")
        self.status.setAccessibleName("Ask status")
        self.status.setWordWrap(True)
        self.answer = OutputView()
        self.answer.setAccessibleName("Answer")
        row = QHBoxLayout()
        row.addWidget(self.box, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.answer, 1)

    def _ask(self) -> None:
        question = " ".join(self.box.text().split())
        if question:
            self.status.setText(f"Looking for “{question}” in your sources…")
            self.ask_requested.emit(question)

    def set_enabled(self, on: bool) -> None:
        self.box.setEnabled(on)
        self.button.setEnabled(on)

    def show_answer(self, answer) -> None:
        """Show an Answer (formats/schema.py) with clickable citations."""
        data = answer.to_dict()
        shown = SimpleNamespace(id=None, title=answer.question, format="answer", engine="builtin", created_at="",
                                route_reason="", content_json=json.dumps(data), markdown="")
        self.answer.show_output(shown)
        n = len(self.answer.references)
        if answer.found:
            self.status.setText(f"Answered from {n} passage{'s' if n != 1 else ''}; click a number to open it.")
        else:
            self.status.setText("The sources do not say.")
