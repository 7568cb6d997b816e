"""Composition root: builds the job runner and the window first, then opens the library behind it."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from harvest_desktop.core import paths, priority
from harvest_desktop.core.settings import Settings
from harvest_desktop.ui.first_paint import FirstPaint
from harvest_desktop.ui import none_refs
from harvest_desktop.ui.main_window import MainWindow
from harvest_desktop.ui.ops import JobRunner

log = logging.getLogger(__name__)

# Imported on a worker after the first paint so the first job does not pay for them.
WARM_MODULES = (
    "harvest_desktop.acquire.files",
    "harvest_desktop.acquire.sandbox",
    "harvest_desktop.formats.study_guide",
    "harvest_desktop.export",
    "harvest_desktop.export.pdf",
    "spacy",
    "onnxruntime",  # the embedder (index/embedder.py); the model itself loads right after
)


# pydantic's core, in the order it loads itself: one module per turn of the event loop (together
# they take 80-200 ms on the main thread, which would freeze the window that long).
PYDANTIC_STEPS = ("typing_extensions", "pydantic_core", "annotated_types", "pydantic.version",
                  "pydantic._internal._validators")


def preload_pydantic(steps=PYDANTIC_STEPS) -> None:
    """Load pydantic's core on the main thread before any worker imports sqlmodel or spaCy.

    PySide6's import hook inspects modules as they load; pydantic's lazy module attributes,
    inspected half-way through pydantic's own import on a worker, raised a circular ImportError.
    Loaded here, once the window has painted, it costs the first paint nothing.
    """
    import importlib

    for name in steps:
        importlib.import_module(name)


def warm_up(modules=WARM_MODULES, cancel=None) -> list[str]:
    """Import what later jobs need and load the embedding model; missing optional parts are fine."""
    import importlib

    loaded = []
    for name in modules:
        if cancel is not None and cancel.cancelled:
            return loaded
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:  # optional: the job that needs it reports properly
            log.info("warm-up skipped %s (%s)", name, exc.__class__.__name__)
    if cancel is None or not cancel.cancelled:
        try:
            from harvest_desktop.index import embedder

            _load_at_background_priority(embedder.get_model)  # building the session is CPU work too
            embedder.get_query_model()
            loaded.append("embedding model")
        except Exception as exc:
            log.info("warm-up could not load the embedding model (%s)", exc.__class__.__name__)
    freeze_long_lived()
    return loaded


BACKGROUND_NICE = 10  # CPU share: the window's thread weighs about nine times a worker's


def _load_at_background_priority(load: Callable[[], object]) -> None:
    """Run `load` on a short-lived thread at the background priority (and any threads it starts,
    which inherit the priority of the thread that made them)."""
    import threading

    failed: list[BaseException] = []

    def run() -> None:
        priority.lower_this_thread()
        try:
            load()
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)

    t = threading.Thread(target=run, name="harvest-model-load")
    t.start()
    t.join()
    if failed:
        raise failed[0]


def freeze_long_lived() -> None:
    """Move what is alive now (Qt wrappers, the models, spaCy, the libraries: ~280,000 objects)
    out of the garbage collector's reach.

    A full collection walks every tracked object while holding the GIL, so every thread, the
    window's included, stops for it: with this heap it took 0.4-1.4 s, and a harvest's analysis,
    which allocates many small containers, set one off every few seconds (measured with
    tests/bench/bench_ui_stall.py --sample: the longest loop stalls were these collections).
    Frozen objects are still freed by reference counting; only cycles among them would stay."""
    import gc

    gc.freeze()


class HarvestApp:
    """Owns the runner, the window and the library, and shuts them down in order."""

    def __init__(self, qapp: QApplication, loop: asyncio.AbstractEventLoop, *, settings: Settings | None = None,
                 library=None, show_welcome: bool = True, warm: bool = True,
                 on_bug: Callable[[BaseException], None] | None = None,
                 on_first_paint: Callable[[], None] | None = None, window: MainWindow | None = None,
                 painted: bool = False) -> None:
        """`window`: a frame already shown (and `painted`) by the caller (__main__ shows it before
        it imports the rest); without one, the app makes it and start() shows it."""
        self.qapp = qapp
        self.loop = loop
        none_refs.install(qapp)  # done already when __main__ started the app (once per process)
        # The library's parsing, analysis and embedding run below this thread's priority, so the
        # window gets a core when both are busy (core/priority.py); a value already set wins.
        os.environ.setdefault(priority.ENV, str(BACKGROUND_NICE))
        self.settings = settings or Settings.load()
        self.runner = JobRunner(loop, on_bug=on_bug)
        self._own_window = window is None
        self.window = window if window is not None else MainWindow(paths.data_dir() / "ui-state.ini")
        self.library = library
        self.show_welcome = show_welcome and os.environ.get("HARVEST_NO_WELCOME") != "1"
        self.warm = warm and os.environ.get("HARVEST_NO_WARMUP") != "1"
        self.closed = asyncio.Event()
        self.first_paint_at: float | None = None
        self._on_first_paint = on_first_paint
        self._painted_already = painted
        self._painted = FirstPaint(self._after_first_paint)
        if not painted:
            self.window.installEventFilter(self._painted)
        self.window.closed.connect(self.closed.set)
        self.window.settings_applied.connect(self._settings_applied)
        self.window.library_repaired.connect(self._reopen_library)
        self._closing = False
        self.watcher = None  # FolderWatcher over settings.watched_folders, once the library is open

    def start(self) -> MainWindow:
        """Show the window's frame; the panes are built after its first paint, then the library opens."""
        if self._own_window:
            from harvest_desktop.ui.theme import apply_theme

            apply_theme(self.qapp, self.settings.theme)
            self.window.show()
        for notice in self.settings.notices:  # an invalid settings file was kept aside and replaced
            self.window.show_known_error(f"Settings: {notice}")
        if self._painted_already:
            self._after_first_paint()
        return self.window

    def _after_first_paint(self) -> None:
        self.first_paint_at = time.perf_counter()
        if self._on_first_paint is not None:
            self._on_first_paint()
        if self._closing:
            return
        self.window.build(self.runner, self.settings)  # the panes, in small steps on the event loop
        if self.library is not None:
            self.window.attach_library(self.library)  # once the panes are there
        else:
            # Once the panes are there: pydantic in steps on the main thread, then the library
            # opens on a worker (its imports would only slow the panes down, they share the GIL).
            self.window.when_ready(lambda: self._preload_then_open(list(PYDANTIC_STEPS)))
        if self.show_welcome and not self.settings.first_run_done:
            self.window.when_ready(lambda: QTimer.singleShot(0, self._welcome))

    def _preload_then_open(self, steps: list[str]) -> None:
        if self._closing:
            return
        if steps:
            preload_pydantic(steps[:1])
            QTimer.singleShot(0, self.window, lambda: self._preload_then_open(steps[1:]))
            return
        self.runner.run("Opening the library", self._open_library, kind="open", visible=False,
                        on_success=self._library_opened)

    def _open_library(self, _token, _report):
        from harvest_desktop.core.errors import LibraryReadOnly
        from harvest_desktop.library import Library

        try:
            return Library(settings=self.settings)
        except LibraryReadOnly:
            # A data folder that cannot be written: the library still opens, for reading only.
            from harvest_desktop.services.storage import open_database

            return Library(db=open_database(self.settings, reads_only=True), settings=self.settings)

    def _reopen_library(self) -> None:
        """After a repair: open the recovered library and load it into the window."""
        self.library = None
        self.runner.run("Opening the library", self._open_library, kind="open", visible=False,
                        on_success=self._library_opened)

    def _library_opened(self, library) -> None:
        if self._closing:
            library.close()
            return
        self.library = library
        self.window.attach_library(library)
        if getattr(library.db, "read_only", False):
            self.window.show_known_error(f"{library.db.path}: the data folder is read-only, so the library is "
                                         "open for reading only (make the folder writable to add or generate)")
            return  # nothing is harvested into a library that cannot be written
        self._start_watching()
        if self.warm:
            self.runner.run("Preparing language tools", lambda t, r: warm_up(cancel=t), kind="warmup", visible=False)

    def _start_watching(self) -> None:
        """New and changed files in the watched folders are harvested without asking."""
        from harvest_desktop.acquire.watch import FolderWatcher

        self.watcher = FolderWatcher(self.settings.watched_folders, self._watched_files_ready)
        self.watcher.start()

    def _watched_files_ready(self, found) -> None:
        """Called on the watcher's thread: hand the files to the window on the main thread."""
        if not self._closing and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.window.add_items, [str(p) for p in found])

    def _settings_applied(self) -> None:
        if self.watcher is not None:
            self.watcher.set_folders(self.settings.watched_folders)

    def _welcome(self) -> None:
        try:
            from harvest_desktop.ui.welcome import WelcomeDialog
        except ImportError:
            return
        try:
            from harvest_desktop.ai.keys import ollama_url

            dialog = WelcomeDialog(self.window, ollama_url(), settings=self.settings)
        except TypeError:  # an older dialog without those parameters
            dialog = WelcomeDialog(self.window)
        dialog.setAccessibleName("Welcome")
        dialog.finished.connect(lambda _r: self._welcomed(dialog))
        dialog.open()

    def _welcomed(self, dialog) -> None:
        self.settings.first_run_done = True
        try:
            self.settings.save()
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
        dialog.deleteLater()

    async def aclose(self) -> None:
        """Stop jobs, close the window and the library; nothing keeps running afterwards."""
        self._closing = True
        if self.watcher is not None:
            self.watcher.stop()  # wakes the poll loop at once; a scan in progress finishes first
            self.watcher = None
        if self.window.isVisible():
            self.window.close()
        if self.window.feed is not None:  # a hidden window gets no closeEvent: stop its feed here
            self.window.feed.close()
        await self.runner.aclose()
        library, self.library = self.library, None
        if library is not None:
            await library.aclose()
            library.close()
        self.window.deleteLater()

    async def run_until_closed(self) -> None:
        await self.closed.wait()
        await self.aclose()
