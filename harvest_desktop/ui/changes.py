"""The Qt side of the change bus: the library's Changes delivered on the main thread.

A write publishes its Changes on whatever thread made it (a worker). `ChangeFeed` reads the rows
that changed right there, off the UI thread, and hands them to the main thread through a queued
signal; the panes connect to the feed and refresh only what changed. Nobody refreshes a pane by hand.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class ChangeFeed(QObject):
    changed = Signal(object)  # Changes, on the main thread, after the row signals below
    sources_updated = Signal(object, object)  # list[Source] added or changed, set[int] removed
    outputs_updated = Signal(object, object)  # list[Output] added or changed, set[int] removed
    _relay = Signal(object, object, object)  # (Changes, sources, outputs): worker -> main thread

    def __init__(self, library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        # close() and a worker's emit never overlap: once close() returns, no thread touches this
        # object again, so the window may delete it while a job is still publishing.
        self._gate = threading.Lock()
        self._closed = False
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = library.bus.subscribe(self._on_publish)

    def close(self) -> None:
        """Stop listening (the library may outlive the window in tests)."""
        with self._gate:
            self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_publish(self, changes) -> None:
        """Runs on the writer's thread: read the changed rows here, never on the UI thread."""
        if self._closed:
            return
        lib = self._library
        sources = [s for s in (lib.sources.get(i) for i in sorted(changes.source_ids)) if s is not None]
        out_ids = (changes.outputs_added | changes.outputs_changed) - changes.outputs_removed
        outputs = [o for o in (lib.generation.output(i) for i in sorted(out_ids)) if o is not None]
        with self._gate:
            if self._closed:
                log.debug("change after the window closed: %r", changes)
                return
            try:
                self._relay.emit(changes, sources, outputs)
            except RuntimeError:  # the window (and this feed) is already gone
                log.debug("change after the window closed: %r", changes)

    def _deliver(self, changes, sources, outputs) -> None:
        if sources or changes.sources_removed:
            self.sources_updated.emit(sources, set(changes.sources_removed))
        if outputs or changes.outputs_removed:
            self.outputs_updated.emit(outputs, set(changes.outputs_removed))
        self.changed.emit(changes)
