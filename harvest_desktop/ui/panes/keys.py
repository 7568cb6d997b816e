"""The Keys pane: which providers have a key, set and clear them; values are never shown."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QGridLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from harvest_desktop.ai import keys
from harvest_desktop.ui.ops import JobRunner


def ask_value(parent: QWidget, p: keys.Provider) -> str | None:
    """Ask for a key (masked) or a server address; None when the person cancels."""
    echo = QLineEdit.EchoMode.Password if p.secret else QLineEdit.EchoMode.Normal
    title = f"Set {p.label}"
    prompt = p.hint
    text, ok = QInputDialog.getText(parent, title, prompt, echo,
                                    "" if p.secret else keys.DEFAULT_OLLAMA_URL)
    return text if ok else None


class KeysPane(QWidget):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Keys pane")
        self.runner = runner
        self.ask_value: Callable[[QWidget, keys.Provider], str | None] = ask_value
        self.secure = False
        self.banner = QLabel("Checking the system key store…")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Key store status")
        self.status: dict[str, QLabel] = {}
        self.set_buttons: dict[str, QPushButton] = {}
        self.clear_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for row, p in enumerate(keys.PROVIDERS):
            name = QLabel(p.label)
            name.setToolTip(p.hint)
            state = QLabel("…")
            state.setAccessibleName(f"{p.label} status")
            what = "key" if p.secret else "address"
            set_b = QPushButton("Set…")
            set_b.setAccessibleName(f"Set {p.label} {what}")
            set_b.setToolTip(f"Store the {p.label} {what} in the system key store")
            set_b.clicked.connect(lambda _=False, p=p: self._set(p))
            clear_b = QPushButton("Clear")
            clear_b.setAccessibleName(f"Clear {p.label} {what}")
            clear_b.setToolTip(f"Remove the {p.label} {what} from the system key store")
            clear_b.clicked.connect(lambda _=False, p=p: self._clear(p))
            grid.addWidget(name, row, 0)
            grid.addWidget(state, row, 1)
            grid.addWidget(set_b, row, 2)
            grid.addWidget(clear_b, row, 3)
            self.status[p.key] = state
            self.set_buttons[p.key] = set_b
            self.clear_buttons[p.key] = clear_b
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addLayout(grid)
        layout.addStretch(1)
        self._enable(False)
        self.refreshed = 0  # count of finished refreshes (tests wait on it)

    def _enable(self, on: bool) -> None:
        for b in (*self.set_buttons.values(), *self.clear_buttons.values()):
            b.setEnabled(on)

    def refresh(self) -> None:
        """Ask the key store (off the UI thread: it may talk to a system service)."""

        def work(_token, _report):
            ok, description = keys.secure_backend()
            state = {p.key: keys.key_is_set(p.key) for p in keys.PROVIDERS} if ok else {}
            return ok, description, state

        self.runner.run("Checking the key store", work, kind="keys", visible=False, on_success=self._show)

    def _show(self, result) -> None:
        ok, description, state = result
        self.secure = ok
        self.banner.setText(description)
        for p in keys.PROVIDERS:
            label = self.status[p.key]
            if not ok:
                label.setText("cannot store")
            elif state.get(p.key):
                label.setText("Key set" if p.secret else "Address set")
            else:
                label.setText("No key" if p.secret else "Default (this computer)")
            self.clear_buttons[p.key].setEnabled(ok and bool(state.get(p.key)))
            self.set_buttons[p.key].setEnabled(ok)
        self.refreshed += 1

    def _set(self, p: keys.Provider) -> None:
        value = self.ask_value(self, p)
        if value is None:
            return
        self._enable(False)
        self.runner.run(f"Saving {p.label}", lambda t, r: keys.set_key(p.key, value), kind="keys", visible=False,
                        on_success=lambda _: self.refresh(), on_failure=lambda _: self.refresh())

    def _clear(self, p: keys.Provider) -> None:
        self._enable(False)
        self.runner.run(f"Clearing {p.label}", lambda t, r: keys.clear_key(p.key), kind="keys", visible=False,
                        on_success=lambda _: self.refresh(), on_failure=lambda _: self.refresh())
