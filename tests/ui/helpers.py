"""Helpers shared by the window tests."""

from __future__ import annotations

BIOLOGY = """# Cell biology

## Photosynthesis

Photosynthesis is the process by which green plants turn light energy into chemical energy.
Chlorophyll is the green pigment that absorbs light inside the chloroplast.
The chloroplast is the organelle where photosynthesis takes place in plant cells.

## Respiration

Cellular respiration is the process that releases energy from glucose inside the mitochondria.
The mitochondria are the organelles that produce most of the cell's chemical energy as ATP.
Photosynthesis and cellular respiration form a cycle: chlorophyll captures light, mitochondria release energy.
"""


def drop_files(window, paths) -> None:
    """Send a real drop of file URLs onto the window."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.width() / 2, window.height() / 2)
    from PySide6.QtGui import QDragEnterEvent

    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


def wait_status(qtbot, window, name_or_id, status: str, timeout: int = 120000):
    """Wait until the source (by file name or id) has the given status; return it."""

    def find():
        for src in window.sources.sources.values():
            if src.id == name_or_id or src.name == name_or_id:
                return src
        return None

    qtbot.waitUntil(lambda: (s := find()) is not None and s.status == status, timeout=timeout)
    return find()


def wait_ready_window(qtbot, window, timeout: int = 20000) -> None:
    """Wait until the window's panes are built (MainWindow.ready; they come after its first paint)."""
    if not window.is_ready:
        with qtbot.waitSignal(window.ready, timeout=timeout):
            pass
