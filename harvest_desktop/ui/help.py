"""The Help menu: About (version, licences), the keyboard shortcuts, and the welcome again."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from harvest_desktop import APP_NAME, __version__


def build_help_menu(window: QMainWindow) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.setObjectName("help_menu")
    window.shortcuts_action = _add(menu, window, "Keyboard shortcuts", "F1", lambda: show_shortcuts(window))
    window.welcome_action = _add(menu, window, "Show welcome again", None, lambda: show_welcome(window))
    menu.addSeparator()
    window.about_action = _add(menu, window, f"About {APP_NAME}", None, lambda: show_about(window))
    # Part of the window's frame, made before the first paint: the About icon is set with the
    # others after it (MainWindow._wire_sources_extras).


def _add(menu, window, text: str, shortcut: str | None, slot) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcuts([QKeySequence(shortcut)])  # not setShortcut: see MainWindow._action
    action.triggered.connect(lambda _=False: slot())
    window.addAction(action)
    menu.addAction(action)
    return action


def about_html() -> str:
    from html import escape

    return (f"<h3>{APP_NAME} {escape(__version__)}</h3>"
            "<p>Turns web pages and documents into cited study material, on your own computer.</p>"
            f"<p>{APP_NAME} is free software under the MIT licence. It is built on Qt for Python "
            "(PySide6, LGPLv3), SQLite (public domain), FAISS (MIT), sentence-transformers (Apache 2.0), "
            "spaCy (MIT), litellm (MIT) and other open-source libraries under their own licences.</p>")


def shortcuts_of(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every window action that has a shortcut."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for action in window.actions():
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if not keys or keys in seen:
            continue
        seen.add(keys)
        rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows


def shortcuts_html(window: QMainWindow) -> str:
    from html import escape

    body = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(t)}</td></tr>"
                   for k, t in shortcuts_of(window))
    return f"<table>{body}</table>"


def _box(window: QMainWindow, title: str, html: str):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(window)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(html)
    box.setAccessibleName(title)
    return box


def show_shortcuts(window: QMainWindow) -> None:
    box = _box(window, "Keyboard shortcuts", shortcuts_html(window))
    run_dialog = getattr(window, "run_dialog", lambda d: d.exec())
    run_dialog(box)
    box.deleteLater()


def show_about(window: QMainWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    box = _box(window, f"About {APP_NAME}", about_html())
    box.setIcon(QMessageBox.Icon.Information)
    run_dialog = getattr(window, "run_dialog", lambda d: d.exec())
    run_dialog(box)
    box.deleteLater()


def show_welcome(window: QMainWindow) -> None:
    from harvest_desktop.ui.welcome import WelcomeDialog

    try:
        from harvest_desktop.ai.keys import ollama_url

        dialog = WelcomeDialog(window, ollama_url(), settings=getattr(window, "settings", None))
    except TypeError:
        dialog = WelcomeDialog(window)
    dialog.setAccessibleName("Welcome")
    window.welcome_dialog = dialog
    dialog.finished.connect(lambda _r: dialog.deleteLater())
    dialog.open()
