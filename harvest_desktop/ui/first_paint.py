"""The window's first paint: what start-up waits for before it builds anything else.

Small on purpose: it is imported before the first paint (by __main__ and app.py).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QWidget

PAINT = QEvent.Type.Paint


class FirstPaint(QObject):
    """One-shot: calls back (on the next turn of the event loop, after the paint is done) when the
    watched widget paints for the first time."""

    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__()
        self.callback: Callable[[], None] | None = callback

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == PAINT and self.callback is not None:
            callback, self.callback = self.callback, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, callback)
        return False


def wait_for_first_paint(window: QWidget, timeout_ms: int = 3000) -> bool:
    """Run Qt's event loop until `window` has painted once (True) or `timeout_ms` passed (False:
    a window that is not drawn, e.g. started minimised, must not hold start-up back)."""
    loop = QEventLoop()
    painted: list[bool] = []

    def done() -> None:
        painted.append(True)
        loop.quit()

    watcher = FirstPaint(done)
    window.installEventFilter(watcher)
    QTimer.singleShot(timeout_ms, loop, loop.quit)
    if not painted:
        loop.exec()
    window.removeEventFilter(watcher)
    return bool(painted)
