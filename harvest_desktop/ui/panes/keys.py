"""The Keys pane: which providers have a key, set and clear them; values are never shown.

Only keys: the Ollama address is not a secret and is set in Settings (Generation)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

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


def _ask_server(parent: QWidget) -> tuple[str, str, str] | None:
    name, ok = QInputDialog.getText(parent, "Add a server", "A short name (used as the engine name), e.g. lmstudio")
    if not ok or not name.strip():
        return None
    url, ok = QInputDialog.getText(parent, "Add a server", "Its OpenAI-compatible address",
                                   QLineEdit.EchoMode.Normal, "http://127.0.0.1:1234/v1")
    if not ok or not url.strip():
        return None
    model, ok = QInputDialog.getText(parent, "Add a server", "The model to ask for (may be left empty)")
    return (name.strip(), url.strip(), model.strip() if ok else "")


def _ask_model(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(parent, "Pull an Ollama model", "Model name, e.g. llama3.2 or qwen2.5:0.5b")
    return text.strip() if ok and text.strip() else None


KEY_PROVIDERS = [p for p in keys.PROVIDERS if p.secret]


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
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(lambda _link: self.show_fix())
        self.help_text = ""
        self.run_dialog: Callable[[QWidget], int] = lambda dialog: dialog.exec()
        self.status: dict[str, QLabel] = {}
        self.set_buttons: dict[str, QPushButton] = {}
        self.clear_buttons: dict[str, QPushButton] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        self.verdicts: dict[str, str] = {}  # last Test result per provider
        grid = QGridLayout()
        for row, p in enumerate(KEY_PROVIDERS):
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
            test_b = QPushButton("Test")
            test_b.setAccessibleName(f"Test {p.label} {what}")
            test_b.setToolTip("Make the cheapest real call and say: valid, invalid key, no credit, rate limited "
                              "or unreachable")
            test_b.clicked.connect(lambda _=False, p=p: self._test(p.key))
            grid.addWidget(name, row, 0)
            grid.addWidget(state, row, 1)
            grid.addWidget(set_b, row, 2)
            grid.addWidget(clear_b, row, 3)
            grid.addWidget(test_b, row, 4)
            self.status[p.key] = state
            self.set_buttons[p.key] = set_b
            self.clear_buttons[p.key] = clear_b
            self.test_buttons[p.key] = test_b
        self.pull_button = QPushButton("Pull Ollama model…")
        self.pull_button.setAccessibleName("Pull an Ollama model")
        self.pull_button.setToolTip("Download a model into your Ollama server, with progress (cancel it in Jobs)")
        self.pull_button.clicked.connect(self._ask_pull)
        self.ask_model: Callable[[QWidget], str | None] = _ask_model
        self.add_server_button = QPushButton("Add server…")
        self.add_server_button.setAccessibleName("Add an OpenAI-compatible server")
        self.add_server_button.setToolTip("LM Studio, a llama.cpp server, vLLM, LocalAI, OpenRouter: a name, its "
                                          "address and the model to ask for")
        self.add_server_button.clicked.connect(self._ask_server)
        self.ask_server: Callable[[QWidget], tuple[str, str, str] | None] = _ask_server
        self.servers = QLabel("")
        self.servers.setWordWrap(True)
        self.servers.setAccessibleName("OpenAI-compatible servers")
        self.servers.setToolTip("Servers added with `harvest keys add-endpoint NAME --base-url URL`")
        self.ollama_label = QLabel("")
        self.ollama_label.setWordWrap(True)
        self.ollama_label.setAccessibleName("Ollama server")
        self.ollama_label.setToolTip("The Ollama address is not a secret: change it in Settings (Generation)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addLayout(grid)
        layout.addWidget(self.servers)
        layout.addWidget(self.ollama_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_server_button)
        buttons.addWidget(self.pull_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._enable(False)
        self.refreshed = 0  # count of finished refreshes (tests wait on it)
        self.tested = 0  # count of finished Test calls

    def _enable(self, on: bool) -> None:
        for b in (*self.set_buttons.values(), *self.clear_buttons.values(), *self.test_buttons.values()):
            b.setEnabled(on)

    def refresh(self) -> None:
        """Ask the key store (off the UI thread: it may talk to a system service)."""

        def work(_token, _report):
            from harvest_desktop.ai.resilience import Breakers

            ok, description = keys.secure_backend()
            rows = {r.name: r for r in keys.list_keys()} if ok else {}
            state = {name: (r.tail if r.is_set else "") for name, r in rows.items()}
            breakers = Breakers()
            health = {name: breakers.state(name).describe() for name in rows if breakers.state(name).failures}
            servers = [r for r in rows.values() if r.base_url]
            return ok, description, state, health, servers, keys.ollama_url()

        self.runner.run("Checking the key store", work, kind="keys", visible=False, on_success=self._show)

    def _show(self, result) -> None:
        ok, description, state, health, servers, ollama = result
        self.secure = ok
        self.help_text = "" if ok else description
        if ok:
            self.banner.setText(description)
        else:  # one line, the whole story behind the link
            first = description.split(". ")[0].split(":")[0].rstrip(".")
            self.banner.setText(f"{first}: keys cannot be saved on this computer. <a href='#fix'>How to fix</a>")
        self.banner.setToolTip(description)
        self.ollama_label.setText(f"Ollama server: {ollama} (change it in Settings, Generation)")
        for p in KEY_PROVIDERS:
            label = self.status[p.key]
            tail = state.get(p.key, "")
            if not ok:
                text = "cannot store"
            elif tail:
                text = (f"Key set {tail}" if p.secret else f"Address set ({tail})")
            else:
                text = "No key" if p.secret else "Default (this computer)"
            if p.key in health:
                text += f"; {health[p.key]}"
            if p.key in self.verdicts:
                text += f"; test: {self.verdicts[p.key]}"
            label.setText(text)
            self.clear_buttons[p.key].setEnabled(ok and bool(tail))
            self.set_buttons[p.key].setEnabled(ok)
            self.test_buttons[p.key].setEnabled(ok and (bool(tail) or not p.secret))
        lines = []
        for r in servers:
            line = f"{r.name}: {r.base_url}" + (f" (model {r.model})" if r.model else "")
            line += f", key {r.tail}" if r.is_set else ", no key"
            if r.name in health:
                line += f"; {health[r.name]}"
            if r.name in self.verdicts:
                line += f"; test: {self.verdicts[r.name]}"
            lines.append(line)
        self.servers.setText(("Servers: " + "; ".join(lines)) if lines else
                             "No OpenAI-compatible servers yet (add one with `harvest keys add-endpoint`).")
        self.refreshed += 1

    def show_fix(self) -> None:
        """The full explanation of the missing key store and what to install, on request."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, "How to fix the key store", self.help_text, parent=self)
        box.setAccessibleName("How to fix the key store")
        self.run_dialog(box)
        box.deleteLater()

    def _ask_server(self) -> None:
        answer = self.ask_server(self)
        if answer is None:
            return
        name, url, model = answer
        self.runner.run(f"Adding server {name}", lambda t, r: keys.add_endpoint(name, url, model), kind="keys",
                        visible=False, on_success=lambda _ep: self.refresh(), on_failure=lambda _e: self.refresh())

    def _ask_pull(self) -> None:
        model = self.ask_model(self)
        if model:
            self.pull(model)

    def pull(self, model: str):
        """Pull a model into Ollama on a worker: progress in the Jobs panel, Cancel stops the download."""
        from harvest_desktop.ai.providers.local import OllamaProvider
        from harvest_desktop.core.progress import Progress

        def work(token, report):
            def progress(p) -> None:
                total = p.total or None
                report(Progress(p.completed or 0, total, f"{model}: {p.status}"))

            OllamaProvider(keys.ollama_url()).pull(model, token, progress)
            return model

        return self.runner.run(f"Pulling {model} into Ollama", work, kind="ollama-pull",
                               on_success=lambda _m: self.refresh())

    def _test(self, name: str) -> None:
        """The cheapest real call, off the UI thread; the verdict shows beside the provider."""
        from harvest_desktop.ai.keytest import test_key

        def done(result) -> None:
            self.verdicts[name] = result.verdict + (f" ({result.detail})" if result.detail else "")
            self.tested += 1
            self.refresh()

        def failed(_exc) -> None:
            self.tested += 1
            self.refresh()

        self.runner.run(f"Testing {name}", lambda t, r: test_key(name), kind="keys", visible=False,
                        on_success=done, on_failure=failed)

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
