"""Watched folders: new and changed files are reported once they stop changing. Qt-free.

Polling with (size, mtime) snapshots: portable, no extra dependency, and cheap for the few
folders a person watches. A file is reported when the same snapshot is seen on two polls at
least `settle_s` apart (debounce: a file still being written is not harvested half-done), and
a snapshot already reported is never reported again (duplicates skipped).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from harvest_desktop.acquire.discover import _wanted, normalise_kinds

log = logging.getLogger(__name__)

Snapshot = tuple[int, float]  # size, mtime


class FolderWatcher:
    """Poll folders and call `callback(list_of_paths)` with files that are new or changed and settled."""

    def __init__(self, folders: Iterable[str | Path], callback: Callable[[list[Path]], None], *,
                 interval_s: float = 2.0, settle_s: float = 1.0, kinds: Iterable[str] | None = None,
                 include_existing: bool = True, max_files: int = 50_000) -> None:
        self.folders = [Path(f).expanduser() for f in folders]
        self.callback = callback
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.kinds = normalise_kinds(kinds)
        self.max_files = max_files
        self._reported: dict[Path, Snapshot] = {}
        self._pending: dict[Path, tuple[Snapshot, float]] = {}  # path -> (snapshot, first seen at)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        if not include_existing:
            for path, snap in self._scan().items():
                self._reported[path] = snap

    def set_folders(self, folders: Iterable[str | Path]) -> None:
        with self._lock:
            self.folders = [Path(f).expanduser() for f in folders]

    def _scan(self) -> dict[Path, Snapshot]:
        found: dict[Path, Snapshot] = {}
        for folder in list(self.folders):
            if not folder.is_dir():
                continue
            for root, dirs, files in os.walk(folder):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if name.startswith(".") or name.endswith((".part", ".crdownload", ".tmp", "~")):
                        continue
                    path = Path(root) / name
                    if not _wanted(path, self.kinds):
                        continue
                    try:
                        st = path.stat()
                    except OSError:
                        continue
                    found[path.resolve()] = (st.st_size, st.st_mtime)
                    if len(found) >= self.max_files:
                        return found
        return found

    def poll(self, now: float | None = None) -> list[Path]:
        """One scan; returns (and passes to the callback) the files that became ready."""
        now = time.monotonic() if now is None else now
        with self._lock:
            current = self._scan()
            ready: list[Path] = []
            for path, snap in current.items():
                if self._reported.get(path) == snap:
                    continue
                seen = self._pending.get(path)
                if seen is None or seen[0] != snap:
                    self._pending[path] = (snap, now)  # new or still changing: wait for it to settle
                    continue
                if now - seen[1] >= self.settle_s and snap[0] > 0:
                    ready.append(path)
                    self._reported[path] = snap
                    del self._pending[path]
            for path in list(self._pending):
                if path not in current:
                    del self._pending[path]
            for path in list(self._reported):
                if path not in current:
                    del self._reported[path]  # deleted; if it comes back it is new again
        ready.sort()
        if ready:
            try:
                self.callback(ready)
            except Exception:  # the watcher must outlive a faulty callback
                log.exception("watched-folder callback failed")
        return ready

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="harvest-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("watched-folder scan failed")
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
