"""Remove with Undo: the row goes at once, the deletion waits a few seconds for an Undo.

The library is only changed when the time is up (or the window closes), so Undo needs nothing
stored to be put back: the row simply returns. One "Removed X. Undo" line in the message bar.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:  # pragma: no cover
    from harvest_desktop.store.models import Source

log = logging.getLogger(__name__)

UNDO_MS = 8000


class PendingRemovals(QObject):
    def __init__(self, window, delay_ms: int = UNDO_MS) -> None:
        super().__init__(window)
        self.window = window
        self.delay_ms = delay_ms
        self.pending: dict[int, tuple["Source", QTimer, bool, str]] = {}

    def __contains__(self, source_id: int) -> bool:
        return source_id in self.pending

    def schedule(self, src: "Source", on_removed: Callable[[str], None]) -> None:
        """Take the row away now; remove the source from the library when the Undo time is up."""
        assert src.id is not None
        w = self.window
        sid = src.id
        was_unticked = sid in w.sources.unticked
        w.sources.held_back.add(sid)  # a change to it meanwhile must not bring the row back
        w.sources.drop_source(sid)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._commit(sid, on_removed))
        line = f"Removed {src.title or src.name}."
        self.pending[sid] = (src, timer, was_unticked, line)
        w.messages.add(line, action=("Undo", lambda: self.undo(sid)))
        timer.start(self.delay_ms)

    def undo(self, source_id: int) -> bool:
        entry = self.pending.pop(source_id, None)
        if entry is None:
            return False
        src, timer, was_unticked, line = entry
        timer.stop()
        timer.deleteLater()
        w = self.window
        w.messages.drop(line)
        w.sources.held_back.discard(source_id)
        if was_unticked:
            w.sources.unticked.add(source_id)
        w.sources.update_source(src)
        w.statusBar().showMessage(f"Kept {src.title or src.name}.", 5000)
        return True

    def _commit(self, source_id: int, on_removed: Callable[[str], None]) -> None:
        entry = self.pending.pop(source_id, None)
        if entry is None:
            return
        src, timer, _unticked, line = entry
        timer.deleteLater()
        self.window.messages.drop(line)
        self.window.sources.held_back.discard(source_id)
        lib = self.window.library
        if lib is None:
            return
        self.window.runner.run(f"Removing {src.name}", lambda t, r: lib.sources.remove(source_id), kind="remove",
                               visible=False, on_success=lambda _c: on_removed(src.name))

    def flush(self) -> None:
        """The window is closing: what was removed is removed now (no Undo after the window is gone)."""
        lib = self.window.library
        for sid in list(self.pending):
            src, timer, _unticked, _line = self.pending.pop(sid)
            timer.stop()
            self.window.sources.held_back.discard(sid)
            if lib is not None:
                try:
                    lib.sources.remove(sid)
                except Exception:  # the library may already be failing; the source stays, nothing is lost
                    log.exception("removing #%s on close failed", sid)
