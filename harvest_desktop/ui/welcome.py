"""First-run welcome: what Harvest can make today, whether Ollama is here, then out of the way."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFrame, QLabel, QVBoxLayout, QWidget

from harvest_desktop import APP_NAME
from harvest_desktop.ai.ollama_detect import DEFAULT_URL, OllamaStatus, detect_ollama_blocking
from harvest_desktop.core.settings import Settings

log = logging.getLogger(__name__)

def ways() -> list[tuple[str, str]]:
    """How Harvest can make things, saying only what this build does.

    The offline line lists what the format registry can make right now; the model lines name what
    the AI gateway makes with Ollama or keys in this build (the blog post)."""
    from harvest_desktop.formats import registry

    offline = [spec.label.lower() for spec in registry.FORMATS if not spec.needs_model]
    made = ", ".join(offline[:-1]) + (" and " if len(offline) > 1 else "") + offline[-1] if offline else ""
    return [
        ("Built-in offline engine",
         f"Works right now, with no keys and no internet: {made}, taken from your sources "
         "and cited passage by passage."),
        ("Ollama on your computer",
         "Harvest looks for <a href='https://ollama.com'>Ollama</a> and says below whether it is "
         "running. With a model pulled, it writes blog posts from your sources on this computer."),
        ("Your own API keys",
         "You can keep keys for OpenAI, Anthropic or Gemini (or the address of any OpenAI-compatible "
         "server) in the Keys tab; they are stored in your system's keyring, never in a file. Blog posts "
         "can be written with them; the Formats pane shows the route and its price before anything is spent."),
    ]


class _Relay(QObject):
    """Carries the detection result from the worker thread to the main thread (queued)."""

    done = Signal(object)


class WelcomeDialog(QDialog):
    """Explains the choices once; closing it in any way marks the first run as done."""

    ollama_checked = Signal(object)  # OllamaStatus, on the main thread

    def __init__(
        self,
        parent: QWidget | None = None,
        ollama_url: str = DEFAULT_URL,
        *,
        settings: Settings | None = None,
        on_done: Callable[[], None] | None = None,
        detect: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.ollama_url = ollama_url
        self.ollama_status: OllamaStatus | None = None
        self.first_run_done = False
        self._settings = settings
        self._on_done = on_done

        title = QLabel(f"<h2>Welcome to {APP_NAME}</h2>", self)
        title.setAccessibleName(f"Welcome to {APP_NAME}")
        title.setToolTip("First-run welcome")
        intro = QLabel(
            "Drop files, folders or web addresses onto the window. Harvest reads them, keeps "
            "everything on this computer, and turns them into study material where every claim "
            "points back to its source.",
            self,
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("What Harvest does")
        intro.setToolTip("What Harvest does")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        self.way_labels: list[QLabel] = []
        for number, (name, text) in enumerate(ways(), start=1):
            label = QLabel(f"<b>{number}. {name}.</b> {text}", self)
            label.setWordWrap(True)
            label.setOpenExternalLinks(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            label.setAccessibleName(name)
            label.setToolTip(name)
            layout.addWidget(label)
            self.way_labels.append(label)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setAccessibleName("Separator")
        line.setToolTip("")
        layout.addWidget(line)

        self.ollama_label = QLabel("Looking for Ollama…", self)
        self.ollama_label.setObjectName("ollamaStatus")
        self.ollama_label.setWordWrap(True)
        self.ollama_label.setAccessibleName("Ollama status")
        self.ollama_label.setToolTip(f"Whether Ollama answers at {ollama_url}")
        layout.addWidget(self.ollama_label)

        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton("&Get started", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setAccessibleName("Get started")
        self.start_button.setToolTip("Close this welcome and start using Harvest")
        self.start_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)

        self._relay = _Relay(self)  # owned by the dialog: never freed on the probe thread
        self._relay.done.connect(self._on_detected, Qt.ConnectionType.QueuedConnection)
        self._worker: threading.Thread | None = None
        self.resize(560, 420)
        if detect:
            self.start_detection()

    # -- Ollama, off the UI thread ----------------------------------------------------------------
    def start_detection(self) -> None:
        """Probe Ollama on a short-lived worker thread; the answer arrives as ollama_checked."""
        relay, url = self._relay, self.ollama_url

        def probe() -> None:
            try:
                status = detect_ollama_blocking(url, timeout=1.0)
            except Exception as exc:  # detection is advice only; it must never crash the app
                log.warning("Ollama detection failed: %s", exc)
                status = OllamaStatus(False, [], str(exc))
            try:
                relay.done.emit(status)
            except RuntimeError:
                pass  # the dialog is gone already

        self.ollama_label.setText("Looking for Ollama…")
        self._worker = threading.Thread(target=probe, name="harvest-ollama-detect", daemon=True)
        self._worker.start()

    def wait_for_detection(self, timeout: float | None = None) -> None:
        """Join the worker (tests and clean shutdown)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _on_detected(self, status: OllamaStatus) -> None:
        self.ollama_status = status
        if status.running:
            count = len(status.models)
            names = ", ".join(status.models[:3]) + ("…" if count > 3 else "")
            text = status.describe() + (f" ({names}). You can use it now." if count else
                                        ". Pull a model with “ollama pull llama3.2” to use it.")
        else:
            text = ("Ollama: not running. That is fine: the built-in engine works without it. "
                    "Start Ollama any time and Harvest will find it.")
        self.ollama_label.setText(text)
        self.ollama_checked.emit(status)

    # -- closing ----------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        if self.first_run_done:
            super().done(result)
            return
        self.first_run_done = True
        if self._settings is not None:
            self._settings.first_run_done = True
            try:
                self._settings.save()
            except OSError as exc:
                log.warning("could not save settings after the welcome: %s", exc)
        if self._on_done is not None:
            self._on_done()
        super().done(result)
