"""The Harvest window: sources on the left, previews in the middle, formats/export/keys on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QByteArray, QSettings, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from harvest_desktop import APP_NAME
from harvest_desktop.core import status as m
from harvest_desktop.ui.text import human_time, plural

if TYPE_CHECKING:
    from harvest_desktop.core.settings import Settings
    from harvest_desktop.store.models import Output, Source
    from harvest_desktop.ui.changes import ChangeFeed
    from harvest_desktop.ui.ops import Job, JobRunner

# Only the frame (title, menus, status line) is made before the first paint, so this module imports
# little: PySide6 makes a class's Python enums when the class is first imported, and the `Qt`
# namespace alone holds about a hundred (20-40 ms). The panes, their modules and the Qt classes they
# use are imported after the first paint, in the steps of MainWindow.build.

log = logging.getLogger(__name__)



def __getattr__(name: str):
    if name == "MessageBar":  # it lived here; it now has a module of its own
        from harvest_desktop.ui.message_bar import MessageBar

        return MessageBar
    raise AttributeError(name)


def confirm_overwrite(parent: QWidget, path: Path) -> bool:
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "Replace file?",
                                  f"“{path.name}” already exists in {path.parent}.\nReplace it?",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def confirm_remove(parent: QWidget, name: str) -> bool:
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "Remove source?",
                                  f"Remove “{name}” and its text from the library?\n"
                                  "Outputs already made keep their citations.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class MainWindow(QMainWindow):
    closed = Signal()
    library_repaired = Signal()  # the damaged library was recovered in place: open it again
    settings_applied = Signal()  # after the settings dialog's OK, or at start

    ready = Signal()  # the panes are built and wired: the window works (see build())

    def __init__(self, state_path: Path, runner: JobRunner | None = None, settings: Settings | None = None) -> None:
        """The frame only: title, actions, menus, the status line and the saved geometry.

        This is what the first paint shows; `build()` adds the panes after it, in steps on the event
        loop, and emits `ready` when the window works. Given a runner and settings, build() is
        started here (the panes still come after the first paint)."""
        super().__init__()
        self.runner: JobRunner | None = None  # given to build()
        self.settings: Settings | None = None
        self.library = None  # attached once opened, off the UI thread
        self.feed: ChangeFeed | None = None  # the library's changes, on the main thread
        self._queued_items: list[str] = []
        self._harvest_again = False
        self.current_output: Output | None = None
        self.is_ready = False
        self._building = False
        self._after_ready: list[Callable[[], None]] = []  # calls that need the panes, kept until ready
        self.ui_state = QSettings(str(state_path), QSettings.Format.IniFormat)
        # Seams for dialogs (tests replace them; the defaults ask the person).
        self.confirm_overwrite: Callable[[QWidget, Path], bool] = confirm_overwrite
        self.open_url: Callable[[QUrl], object] = _open_url
        self.ask_urls: Callable[[QWidget], tuple[list[str], bool]] = _ask_urls
        self.ask_files: Callable[[QWidget], list[str]] = _ask_files
        self.ask_folder: Callable[[QWidget], str] = _ask_folder
        self.run_dialog: Callable[[QWidget], int] = lambda dialog: dialog.exec()
        self.confirm_remove: Callable[[QWidget, str], bool] = confirm_remove

        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_menus()
        self._build_help_menu()
        self.statusBar().showMessage("Opening your library…")
        self.setCentralWidget(QWidget())  # the panes take its place once built
        self._restore_geometry()
        self._fit_to_screen()
        # Until the panes are built only Quit and Help work; build() turns the rest on.
        self._waiting_actions = [a for a in self.actions()
                                 if a is not self.quit_action and a not in (self.shortcuts_action, self.about_action)]
        for action in self._waiting_actions:
            action.setEnabled(False)
        if runner is not None and settings is not None:
            self.build(runner, settings)

    # -- the panes, built after the first paint ---------------------------------------------------
    def build(self, runner: JobRunner, settings: Settings, steps: bool = True) -> None:
        """Build the panes: one small step per turn of the event loop (steps=False: all now);
        `ready` is emitted after the last one. Calls that need a pane wait for it (when_ready)."""
        if self._building or self.is_ready:
            return
        self._building = True
        self.runner = runner
        self.settings = settings
        runner.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        runner.known_error.connect(self.show_known_error)
        runner.library_damaged.connect(self.offer_repair)
        todo = [self._build_sources, self._build_previews, self._build_side, self._build_layout,
                self._build_extras, self._become_ready]
        if not steps:
            for step in todo:
                step()
            return

        def run_next() -> None:
            if not todo or self._closing_early:
                return
            todo.pop(0)()
            if todo:
                QTimer.singleShot(0, self, run_next)  # the window's own timer: gone with the window

        QTimer.singleShot(0, self, run_next)

    _closing_early = False

    def when_ready(self, call: Callable[[], None]) -> None:
        """Run `call` now if the panes are built, else right after they are."""
        if self.is_ready:
            call()
        else:
            self._after_ready.append(call)

    def _build_sources(self) -> None:
        from PySide6.QtCore import Qt

        from harvest_desktop.ui.panes.sources import SourcesPane
        from harvest_desktop.ui.undo_remove import PendingRemovals

        self.removals = PendingRemovals(self)  # Remove waits a few seconds for Undo
        self.sources = SourcesPane()
        self.sources.add_action_buttons([self.add_files_action, self.add_folder_action, self.add_url_action])
        self.sources.remove_button.setToolTip(self.remove_action.toolTip())
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_side(self) -> None:
        from PySide6.QtWidgets import QTabWidget

        from harvest_desktop.ui.layout import scroll_if_wide
        from harvest_desktop.ui.panes.formats import FormatsPane

        self.formats = FormatsPane()
        self.side = QTabWidget()
        self.side.setAccessibleName("Make and export")
        self.side.addTab(self.formats, "Formats")
        self._lazy.add("export", self.side, "Export", self._make_export)
        self._lazy.add("keys", self.side, "Keys", self._make_keys, wrap=scroll_if_wide)

    def _build_layout(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget, QSplitter, QVBoxLayout

        from harvest_desktop.ui.jobs_panel import JobsPanel
        from harvest_desktop.ui.message_bar import MessageBar

        self.messages = MessageBar()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setAccessibleName("Main panes")
        self.splitter.addWidget(self.sources)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 560, 320])
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.messages)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.jobs = JobsPanel(self.runner)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobs-dock")
        self.jobs_dock.setAccessibleName("Jobs")
        self.jobs_dock.setWidget(self.jobs)
        self.jobs_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self._fit_layout()

    def _build_extras(self) -> None:
        from PySide6.QtWidgets import QMenu

        from harvest_desktop.ui.sync_status import SyncController

        self.sync = SyncController(self)  # Sync action, server dialog, status-bar panel (ui/sync_status.py)
        self.sync.add_to_menu(self.menuBar().findChild(QMenu, "tools_menu") or self.menuBar().addMenu("&Sync"))
        self._wire_sources_extras()
        self._wire()
        self._restore_state()
        if self.property("restored_splitter") is not True:
            from harvest_desktop.ui.layout import balance_panes

            balance_panes(self, self.width())
        self.statusBar().setAccessibleName("Status bar")

    def _become_ready(self) -> None:
        for action in self._waiting_actions:
            action.setEnabled(True)
        self._set_library_actions(self.library is not None)
        self.is_ready = True
        self._building = False
        calls, self._after_ready = self._after_ready, []
        for call in calls:
            call()
        self.ready.emit()

    # -- construction ---------------------------------------------------------------------------
    def _action(self, text: str, shortcut, tip: str, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            # A window shortcut (QAction's default context). setShortcuts, not setShortcut: the
            # latter's overloads make PySide6 build the Qt namespace's ~100 enums before the first paint.
            action.setShortcuts([QKeySequence(shortcut)])
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_files_action = self._action("Add files…", "Ctrl+O", "Add Markdown, text or PDF files (Ctrl+O)",
                                             self.add_files)
        self.add_folder_action = self._action("Add folder…", "Ctrl+Shift+O", "Add every supported file in a folder",
                                              self.add_folder)
        self.add_url_action = self._action("Add URL…", "Ctrl+L", "Add web pages, one URL per line (Ctrl+L)",
                                           self.add_urls)
        self.remove_action = self._action("Remove source", QKeySequence.StandardKey.Delete,
                                          "Remove the selected source (Delete)", self.remove_selected)
        self.generate_action = self._action("Generate", "Ctrl+G", "Make the selected format (Ctrl+G)",
                                            self.generate)
        self.export_action = self._action("Export…", "Ctrl+E", "Export the selected output (Ctrl+E)", self.export)
        self.search_action = self._action("Search", "Ctrl+F", "Search the library (Ctrl+F)", self.focus_search)
        self.concepts_action = self._action("Find concepts", "Ctrl+K", "Find key concepts and map them (Ctrl+K)",
                                            self.find_concepts)
        self.cancel_action = self._action("Cancel current job", "Esc", "Cancel the most recent job (Esc)",
                                          self.cancel_current)
        self.settings_action = self._action("Settings…", "Ctrl+,", "Data folder, harvesting limits, watched folders, theme (Ctrl+,)",
                                            self.open_settings)
        self.quit_action = self._action("Quit", QKeySequence.StandardKey.Quit, "Close Harvest", self.close)

    def _build_previews(self) -> None:
        from PySide6.QtWidgets import QTabWidget, QTextBrowser, QVBoxLayout

        from harvest_desktop.ui.lazy_tabs import LazyTabs
        from harvest_desktop.ui.output_tools import OutputPanel
        from harvest_desktop.ui.output_view import OutputView
        from harvest_desktop.ui.reader import BookReader

        self.preview_info = QTextBrowser()
        self.preview_info.setAccessibleName("Source attribution")
        self.preview_info.setToolTip("Where the selected source came from")
        self.preview_info.setOpenExternalLinks(False)
        self.preview_info.setMaximumHeight(130)
        self.reader = BookReader()
        self.preview_text = self.reader.view
        self._pending_passage: tuple[int, int | None, str] | None = None
        source_tab = QWidget()
        sl = QVBoxLayout(source_tab)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.preview_info)
        sl.addWidget(self.reader, 1)

        self.output_view = OutputView()
        self.output_panel = OutputPanel(self, self.output_view)  # edit, versions, one item written again

        # The tabs nobody sees at start are built when first shown or used (ui/lazy_tabs.py).
        self._library_actions_on = False
        self._lazy = LazyTabs()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Previews")
        self.tabs.addTab(source_tab, "Source")
        self.tabs.addTab(self.output_panel, "Output")
        self._lazy.add("search", self.tabs, "Search", self._make_search)
        self._lazy.add("ask", self.tabs, "Ask", self._make_ask)
        self._lazy.add("concepts", self.tabs, "Concepts", self._make_concepts)
        self._lazy.add("usage", self.tabs, "Usage", self._make_usage)
        self.tabs.currentChanged.connect(
            lambda i: self.usage.refresh() if self.tabs.widget(i) is self._lazy.built("usage") else None)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        file_menu = bar.addMenu("&File")
        for a in (self.add_files_action, self.add_folder_action, self.add_url_action, self.remove_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        make = bar.addMenu("&Make")
        for a in (self.generate_action, self.concepts_action, self.search_action, self.cancel_action):
            make.addAction(a)
        tools = bar.addMenu("&Tools")
        tools.setObjectName("tools_menu")
        tools.addAction(self.settings_action)
        view = bar.addMenu("&View")  # its toggles come with the panes (ui/layout.py fit_layout)
        view.setObjectName("view_menu")

    def _wire(self) -> None:
        self.sources.selected.connect(self._preview_source)
        self.sources.remove_requested.connect(self.remove_source)
        self.sources.keep_both_requested.connect(self.keep_both)
        self.sources.keep_newer_requested.connect(self.keep_newer)
        self.sources.ticked_changed.connect(lambda ids: self.formats.set_state(ready=bool(ids)))
        self.formats.generate_requested.connect(self.generate)
        self.formats.route_requested.connect(self._work_out_route)
        self.formats.output_selected.connect(self._show_output)
        self.output_view.citation_clicked.connect(self.open_citation)

    def _set_library_actions(self, on: bool) -> None:
        for a in (self.remove_action, self.generate_action, self.export_action, self.concepts_action):
            a.setEnabled(on)
        self.generate_action.setEnabled(on and bool(self.sources.ticked_ids()))
        self._library_actions_on = on
        if (search := self._lazy.built("search")) is not None:
            search.box.setEnabled(on)
        if (ask := self._lazy.built("ask")) is not None:
            ask.set_enabled(on)
        if (concepts := self._lazy.built("concepts")) is not None:
            concepts.find_button.setEnabled(on)

    # -- the tabs built on first show (ui/lazy_tabs.py) -------------------------------------------
    @property
    def search(self):
        return self._lazy.get("search")

    @property
    def ask(self):
        return self._lazy.get("ask")

    @property
    def concepts(self):
        return self._lazy.get("concepts")

    @property
    def usage(self):
        return self._lazy.get("usage")

    @property
    def export_pane(self):
        return self._lazy.get("export")

    @property
    def keys(self):
        return self._lazy.get("keys")

    def _make_search(self):
        from harvest_desktop.ui.panes.search import SearchPane

        pane = SearchPane()
        pane.search_requested.connect(self.run_search)
        pane.hit_opened.connect(lambda hit: self.open_passage(hit.source_id, hit.page, hit.text))
        pane.box.setEnabled(self._library_actions_on)
        return pane

    def _make_ask(self):
        from harvest_desktop.ui.panes.ask import AskPane

        pane = AskPane()
        pane.answer.citation_clicked.connect(self.open_citation)
        pane.ask_requested.connect(self.ask_question)
        pane.set_enabled(self._library_actions_on)
        return pane

    def _make_concepts(self):
        from harvest_desktop.ui.panes.concepts import ConceptsPane

        pane = ConceptsPane()
        pane.find_requested.connect(self.find_concepts)
        pane.find_button.setEnabled(self._library_actions_on)
        if self.feed is not None:  # built after the library opened: subscribe now
            pane.bind(self.feed)
        return pane

    def _make_usage(self):
        from harvest_desktop.ui.panes.usage import UsagePane

        return UsagePane(self.runner, lambda: self.library)

    def _make_export(self):
        from harvest_desktop.ui.panes.export import ExportPane

        pane = ExportPane(self.settings.last_export_dir)
        pane.export_requested.connect(self.export)
        pane.show_folder_requested.connect(self.show_in_folder)
        if self.current_output is not None:  # an output was selected before the pane existed
            pane.set_output(self.current_output)
            self._request_export_preview(self.current_output)
        return pane

    def _make_keys(self):
        from harvest_desktop.ui.panes.keys import KeysPane

        pane = KeysPane(self.runner)
        pane.refresh()
        return pane

    # -- small screens ------------------------------------------------------------------------
    def _fit_layout(self) -> None:
        """Work down to about 800 px wide: side panes fold away, a View menu brings them back."""
        from harvest_desktop.ui.layout import fit_layout

        fit_layout(self)

    def _fit_to_screen(self) -> None:
        """Open inside the screen's available area (a restored geometry too), never off its edges."""
        from harvest_desktop.ui.layout import fit_to_screen

        fit_to_screen(self)

    def _wire_sources_extras(self) -> None:
        self.sources.retry_requested.connect(self.retry_source)
        self.sources.ticked_changed.connect(
            lambda ids: self.generate_action.setEnabled(self.library is not None and bool(ids)))
        self.sources.show_file_requested.connect(self.show_source_file)
        from PySide6.QtWidgets import QStyle

        icons = {self.add_files_action: QStyle.StandardPixmap.SP_FileIcon,
                 self.add_folder_action: QStyle.StandardPixmap.SP_DirIcon,
                 self.add_url_action: QStyle.StandardPixmap.SP_DriveNetIcon,
                 self.remove_action: QStyle.StandardPixmap.SP_TrashIcon,
                 self.generate_action: QStyle.StandardPixmap.SP_MediaPlay,
                 self.export_action: QStyle.StandardPixmap.SP_DialogSaveButton,
                 self.cancel_action: QStyle.StandardPixmap.SP_BrowserStop,
                 self.search_action: QStyle.StandardPixmap.SP_FileDialogContentsView,
                 self.settings_action: QStyle.StandardPixmap.SP_FileDialogDetailedView,
                 self.about_action: QStyle.StandardPixmap.SP_MessageBoxInformation}
        for action, icon in icons.items():
            action.setIcon(self.style().standardIcon(icon))
        self.sources.remove_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TrashIcon))

    def retry_source(self, source_id: int) -> None:
        if self.library is None or source_id not in self.sources.sources:
            return
        lib = self.library
        self.runner.run("Retrying", lambda t, r: lib.sources.retry(source_id), kind="retry", visible=False,
                        on_success=lambda _c: self.start_harvest())

    def show_source_file(self, source_id: int) -> None:
        src = self.sources.sources.get(source_id)
        if src is None:
            return
        location = str(src.final_url or src.location)
        if location.startswith(("http://", "https://")):
            url = QUrl(location)
        else:
            url = QUrl.fromLocalFile(str(Path(location).parent))
        if not self.open_url(url):
            self.show_known_error(f"{location}: nothing here could open it; the address is {location}")

    def _build_help_menu(self) -> None:
        from harvest_desktop.ui.help import build_help_menu

        build_help_menu(self)

    # -- persistent window state ----------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.ui_state.value("window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            self.setProperty("restored_geometry", True)

    def _restore_state(self) -> None:
        """The dock and the splitter as they were, once the panes exist."""
        state = self.ui_state.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.ui_state.value("window/splitter")
        if isinstance(splitter, QByteArray) and self.splitter.restoreState(splitter):
            self.setProperty("restored_splitter", True)

    def save_state(self) -> None:
        self.ui_state.setValue("window/geometry", self.saveGeometry())
        if self.is_ready:  # closed before the panes came: their saved layout stays as it was
            self.ui_state.setValue("window/state", self.saveState())
            self.ui_state.setValue("window/splitter", self.splitter.saveState())
        self.ui_state.sync()

    def _old_kept_both(self) -> list[int]:
        """"Keep both" decisions an earlier version kept in this state file (now in the library)."""
        kept = self.ui_state.value("sources/kept_both", [])
        if isinstance(kept, str):
            kept = [kept]
        return [int(k) for k in (kept or []) if str(k).isdigit()]

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.save_state()
        self._closing_early = not self.is_ready  # no more building steps
        if self.is_ready:
            self.removals.flush()
            self.sync.close()
        if self.feed is not None:
            self.feed.close()
        if self.runner is not None:
            self.runner.cancel_all()
        super().closeEvent(event)
        self.closed.emit()

    # -- library ------------------------------------------------------------------------------
    def attach_library(self, library) -> None:
        """Called once the library is open: load what it holds, resume unfinished work.

        Before the panes are built it waits for them (the library may open first)."""
        if not self.is_ready:
            self.when_ready(lambda: self.attach_library(library))
            return
        from harvest_desktop.ui.changes import ChangeFeed

        self.library = library
        self.feed = ChangeFeed(library, self)
        for pane in (self.sources, self.formats, self.output_panel, self._lazy.built("concepts")):
            if pane is not None:  # a tab not built yet binds when it is built
                pane.bind(self.feed)
        self._set_library_actions(True)
        self.sync.attach(library)
        self.statusBar().showMessage("Library open.", 4000)
        if (keys := self._lazy.built("keys")) is not None:
            keys.refresh()
        self.formats.refresh_route()  # the route line needs the library
        lib = library
        old_kept = self._old_kept_both()

        def load(_token, _report):
            for sid in old_kept:  # move an earlier version's decisions into the library, once
                src = lib.sources.get(sid)
                if src is not None and src.similar_to is not None:
                    lib.sources.decide_similar(sid, "keep-both")
            return lib.sources.all(), lib.generation.outputs()

        self.runner.run("Loading the library", load, kind="load", visible=False, on_success=self._on_loaded)

    def _on_loaded(self, result) -> None:
        sources, outputs = result
        if self.ui_state.contains("sources/kept_both"):
            self.ui_state.remove("sources/kept_both")
        self.sources.set_sources(sources)
        self.formats.set_outputs(outputs)
        if outputs:
            self.formats.outputs.setCurrentRow(0)
        items, self._queued_items = self._queued_items, []
        if items:
            self.add_items(items)
        elif any(s.status in (m.QUEUED, m.HARVESTING) for s in sources):
            self.start_harvest()  # resume what the last session left unfinished

    @property
    def outputs(self) -> dict[int, Output]:
        return self.formats.output_rows

    # -- adding -------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from harvest_desktop.ui import dnd

        if dnd.accepts(event.mimeData()):
            event.acceptProposedAction()
            if self.is_ready:
                self.sources.set_dragging(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.is_ready:
            self.sources.set_dragging(False)
        super().dragLeaveEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from harvest_desktop.ui import dnd

        if dnd.accepts(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from harvest_desktop.ui import dnd

        if self.is_ready:
            self.sources.set_dragging(False)
        items = dnd.items_from_mime(event.mimeData())
        if not items:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_items(items)

    def add_files(self) -> None:
        self.add_items(self.ask_files(self))

    def add_folder(self) -> None:
        folder = self.ask_folder(self)
        if folder:
            self.add_items([folder])

    def add_urls(self) -> None:
        urls, section = self.ask_urls(self)
        if section and urls:
            self.add_sections(urls)
        else:
            self.add_items(urls)

    def add_sections(self, urls: list[str]) -> None:
        """"Harvest this section": read each page's same-site links, then queue them all."""
        if self.library is None:
            self.add_items(urls)
            return
        lib = self.library

        async def expand(token, report):
            from harvest_desktop.core.progress import Progress

            report(Progress(0, None, "Reading the links of " + ", ".join(urls)))
            found, problems = await lib.sources.expand_sections(urls, token)
            for p in problems:
                self.show_known_error(f"{p.location}: {p.message}")
            return found

        self.runner.run_async("Finding the section's pages", expand, kind="section", on_success=self.add_items)

    def add_items(self, items: list[str]) -> None:
        items = [str(i) for i in items if str(i).strip()]
        if not items:
            return
        if self.library is None:
            self._queued_items.extend(items)
            self.statusBar().showMessage(f"{plural(len(items), 'item')} will be added once the library is open.")
            return
        lib = self.library
        self.runner.run(f"Adding {plural(len(items), 'item')}", lambda t, r: lib.sources.enqueue(items), kind="enqueue",
                        on_success=self._on_enqueued)

    def _on_enqueued(self, result) -> None:
        queued, problems = result  # the new rows reach the Sources pane through the change feed
        for p in problems:
            if p.ok:
                self.statusBar().showMessage(f"{Path(p.location).name}: {p.message}", 6000)
            else:
                self.show_known_error(f"{p.location}: {p.message}")
        if queued:
            self.start_harvest()

    def start_harvest(self) -> None:
        if self.library is None:
            return
        if self.runner.running("harvest"):
            self._harvest_again = True
            return
        self._harvest_again = False
        lib = self.library

        async def work(token, report):  # each status change reaches the Sources pane through the feed
            return await lib.sources.harvest(cancel=token, progress=report, on_cancel=m.CANCELLED)

        job = self.runner.run_async("Harvesting", work, kind="harvest", on_success=self._on_harvested)
        job.finished.connect(lambda state, job=job: self._after_harvest(state))

    def _on_harvested(self, results) -> None:
        failed = [r for r in results if not r.ok]
        lines = []
        for r in failed:
            name = self.sources.sources.get(r.source_id).name if r.source_id in self.sources.sources else r.location
            lines.append(f"{name}: {r.message}")
        if len(lines) == 1:
            self.show_known_error(lines[0])
        elif lines:  # a folder's failures: one line, the list behind Details
            self.messages.add(f"{len(lines)} of {plural(len(results), 'item')} could not be read "
                              "(select one in the Sources pane to see why).",
                              action=("Details", lambda: self.show_failures(lines)))
        ok = len(results) - len(failed)
        self.statusBar().showMessage(f"Harvested {plural(ok, 'item')}" + (f", {len(failed)} failed" if failed else ""),
                                     8000)

    def show_failures(self, lines: list[str]) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setWindowTitle("Items that could not be read")
        box.setAccessibleName("Failure details")
        box.setText(f"{plural(len(lines), 'item')} could not be read:")
        box.setDetailedText("\n".join(lines))
        box.setInformativeText("\n".join(lines[:12]) + (f"\n… and {len(lines) - 12} more" if len(lines) > 12 else ""))
        self.run_dialog(box)
        box.deleteLater()

    def _after_harvest(self, state: str) -> None:
        if self._harvest_again and state == "done":
            self.start_harvest()

    # -- sources ------------------------------------------------------------------------------
    def _preview_source(self, source_id) -> None:
        if source_id is None or self.library is None:
            return
        lib = self.library
        self.tabs.setCurrentIndex(0)

        def load(_t, _r):
            return lib.sources.get(source_id), lib.sources.document(source_id)

        if self.reader.source_id == source_id and self._pending_passage is not None:
            self._goto_pending()
            return

        def show(result) -> None:
            if self.sources.selected_id() != source_id:
                return
            src, doc = result
            self.preview_info.setHtml(_attribution_html(src, doc))
            if doc is None:
                text = "The text appears here once the source is harvested."
                if src is not None:
                    text = {m.FAILED: f"Could not read this source: {src.error}",
                            m.DUPLICATE: "This source has the same text as another one; its text is not stored "
                                         "twice.",
                            }.get(src.status, text)
                self.reader.show_message(text)
                return
            if not (self.reader.source_id == source_id and len(self.reader.blocks) == len(doc.blocks)):
                self.reader.show_document(source_id, doc)  # the same text stays put, scroll and mark kept
            self._goto_pending()

        self.runner.run("Loading preview", load, kind="preview", visible=False, on_success=show)

    def ask_question(self, question: str) -> None:
        """Answer from the ticked sources (the whole library when every ready source is ticked)."""
        if self.library is None:
            return
        for job in self.runner.running("ask"):
            job.cancel()
        ticked = self.sources.ticked_ids()
        if not ticked and not self.sources.all_ready_ticked():
            self.ask.status.setText("No source is ticked: tick the sources to ask in the Sources pane.")
            return
        source_ids = None if self.sources.all_ready_ticked() else ticked
        lib = self.library
        self.tabs.setCurrentWidget(self.ask)
        self.runner.run(f"Answering “{question}”",
                        lambda t, r: lib.generation.ask(question, source_ids=source_ids, cancel=t),
                        kind="ask", on_success=self.ask.show_answer)

    # -- citations: the output and the search results open their passage ---------------------------
    def open_passage(self, source_id: int | None, page: int | None, quote: str = "") -> None:
        """Show the source at that page with the passage highlighted."""
        if source_id is None or self.library is None:
            return
        self._pending_passage = (source_id, page, quote)
        self.tabs.setCurrentIndex(0)
        if self.sources.selected_id() == source_id:
            self._preview_source(source_id)
        else:
            self.sources.select(source_id)

    def open_citation(self, citation) -> None:
        self.open_passage(citation.source_id, citation.page, citation.quote)

    def _goto_pending(self) -> None:
        pending, self._pending_passage = self._pending_passage, None
        if pending is None or pending[0] != self.reader.source_id:
            return
        _sid, page, quote = pending
        if not self.reader.goto_passage(page, quote):
            self.statusBar().showMessage("That page is not in the stored text of this source.", 6000)
        elif page:
            self.statusBar().showMessage(f"Page {page}", 4000)

    def remove_selected(self) -> None:
        sid = self.sources.selected_id()
        if sid is not None:
            self.remove_source(sid)

    def remove_source(self, source_id: int) -> None:
        src = self.sources.sources.get(source_id)
        if self.library is None or src is None:
            return
        if src.status == m.HARVESTING:
            self.statusBar().showMessage(f"{src.name} is being harvested; cancel the job first.", 6000)
            return
        if not self.confirm_remove(self, src.title or src.name):
            return
        self.removals.schedule(src, self._removed)  # the row goes now; "Undo" for a few seconds

    def _removed(self, name: str) -> None:
        self.preview_info.clear()
        self.reader.show_message("")
        self.statusBar().showMessage(f"Removed {name}.", 5000)

    def keep_both(self, source_id: int) -> None:
        """Keep both near-duplicates; the decision is stored in the library and shown everywhere."""
        self._decide(source_id, "keep-both", "Keeping both")

    def keep_newer(self, source_id: int) -> None:
        src = self.sources.sources.get(source_id)
        if src is None or src.similar_to is None:
            return
        other = self.sources.sources.get(src.similar_to)
        if m.HARVESTING in (src.status, other.status if other is not None else None):
            self.statusBar().showMessage(f"{src.name} or its pair is being harvested; cancel the job first.", 6000)
            return
        self._decide(source_id, "keep-newer", "Keeping the newer source")

    def _decide(self, source_id: int, decision: str, title: str) -> None:
        if self.library is None or source_id not in self.sources.sources:
            return
        lib = self.library
        self.runner.run(title, lambda t, r: lib.sources.decide_similar(source_id, decision), kind="decide",
                        visible=False)

    # -- generate -----------------------------------------------------------------------------
    def generate(self, key: str | None = None) -> None:
        from harvest_desktop.formats import registry

        if self.library is None:
            return
        key = key or self.formats.current_key()
        if key is None:
            return
        spec = registry.get_format(key)
        if self.runner.running("generate"):
            self.statusBar().showMessage("A generate job is already running.", 5000)
            return
        engine, prefer = self.formats.engine(), self.formats.prefer()
        options = self.formats.options()
        ticked = self.sources.ticked_ids()
        if not ticked and not self.sources.all_ready_ticked():
            self.show_known_error("Generate: no source is ticked (tick the ready sources to use in the Sources pane)")
            return
        source_ids = None if self.sources.all_ready_ticked() else ticked  # None: the whole library
        lib = self.library
        self.formats.set_state(busy=True)
        stream = self.output_panel.stream_into(spec.label.lower())  # the text shows as the model writes it
        job = self.runner.run(f"Generating {spec.label.lower()}",
                              lambda t, r: lib.generation.generate(spec.key, engine=engine, source_ids=source_ids,
                                                                   cancel=t, progress=r, prefer=prefer,
                                                                   on_text=stream, **options).output,
                              kind="generate", on_success=self._on_generated)
        job.finished.connect(lambda _state: self.formats.set_state(busy=False))
        job.finished.connect(lambda state: self.output_view.end_stream(stream, state, job.error))

    def _on_generated(self, out: Output) -> None:
        self.formats.select_output(out)  # selecting it shows the preview
        self.statusBar().showMessage(f"Made “{out.title}” with the {out.engine} engine.", 8000)
        for name in ("usage", "keys"):  # provider health may have changed; a tab not built reads it when built
            if (pane := self._lazy.built(name)) is not None:
                pane.refresh()
        self.formats.refresh_route()

    def _work_out_route(self, key: str, engine: str, prefer: str) -> None:
        """The Formats pane's route line: route, reason and estimate, worked out on a worker."""
        if self.library is None:
            return
        lib = self.library
        ticked = self.sources.ticked_ids()
        source_ids = None if self.sources.all_ready_ticked() or not ticked else ticked

        def work(_t, _r):
            from harvest_desktop.ai.cost import BudgetExceeded
            from harvest_desktop.core.errors import KnownError, NeedsModel

            try:
                return lib.generation.route(key, engine=engine, prefer=prefer, source_ids=source_ids).line(), True
            except (NeedsModel, BudgetExceeded) as exc:
                return str(exc), False  # no route can make it: Generate stays off
            except KnownError as exc:
                return str(exc), True  # e.g. no harvested text yet: Generate explains when pressed

        def show(result) -> None:
            if self.formats.current_key() == key and self.formats.engine() == engine:
                self.formats.show_route(*result)

        self.runner.run("Working out the route", work, kind="route", visible=False, on_success=show,
                        on_failure=lambda exc: self.formats.show_route(f"Route unknown: {exc}", True))

    def show_output(self, output_id) -> None:
        """Show this output as it now is (the Output tab's bar calls it after a new version)."""
        self._show_output(output_id)

    def _show_output(self, output_id) -> None:
        out = self.outputs.get(output_id) if output_id is not None else None
        self.current_output = out
        export_pane = self._lazy.built("export")  # not built yet: it takes the output when it is
        if export_pane is not None:
            export_pane.set_output(out)
        self.output_panel.output_shown(out)
        if out is None:
            self.output_view.clear()
            return
        if export_pane is not None:
            self._request_export_preview(out)
        self.output_view.show_output(out)
        self.tabs.setCurrentWidget(self.output_panel)

    # -- export -------------------------------------------------------------------------------
    def export(self) -> None:
        out = self.current_output
        if self.library is None:
            return
        if out is None:
            self.statusBar().showMessage("Generate or select an output first.", 5000)
            return
        target = self.export_pane.target(out.title)
        if target is None:
            self.show_known_error("Export: choose a file type and a folder first.")
            return
        if not target.parent.is_dir():
            self.show_known_error(f"{target.parent}: the export folder does not exist (choose another folder)")
            return
        overwrite = False
        if target.exists():
            if not self.confirm_overwrite(self, target):
                self.export_pane.info.setText(f"Left {target.name} untouched; choose another name to export.")
                self.statusBar().showMessage(f"Left {target.name} untouched.", 5000)
                return
            overwrite = True
        self.settings.last_export_dir = str(target.parent)
        try:
            self.settings.save()
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
        lib = self.library
        self.side.setCurrentWidget(self.export_pane)
        self.runner.run(f"Exporting {target.name}", lambda t, r: lib.exports.write(out.id, target, overwrite=overwrite),
                        kind="export", on_success=self._on_exported)

    def _on_exported(self, path: Path) -> None:
        self.export_pane.last_path = Path(path)
        self.export_pane.show_button.setEnabled(True)
        self.export_pane.info.setText(f"Saved {Path(path).name} in {Path(path).parent}.")
        self.statusBar().showMessage(f"Exported to {path}", 8000)

    def show_in_folder(self) -> None:
        path = self.export_pane.last_path
        if path is not None and not self.open_url(QUrl.fromLocalFile(str(path.parent))):
            self.show_known_error(f"{path}: no file manager could be opened here; the file is in {path.parent}")

    def _request_export_preview(self, out) -> None:
        """Render the first page of the PDF export in the background and show it in the Export pane."""
        if self.library is None:
            return
        for job in self.runner.running("export-preview"):
            job.cancel()
        lib, oid = self.library, out.id

        def shown(png: bytes) -> None:
            if self.current_output is not None and self.current_output.id == oid:
                self.export_pane.set_preview(png)

        self.runner.run("Rendering the export preview", lambda t, r: lib.exports.preview_png(oid), kind="export-preview", visible=False,
                        on_success=shown)

    # -- search and concepts --------------------------------------------------------------------
    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.search)
        from PySide6.QtCore import Qt

        self.search.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.box.selectAll()

    def run_search(self, query: str) -> None:
        if not query or self.library is None:
            return
        for job in self.runner.running("search"):
            job.cancel()
        lib = self.library

        def work(token, _report):
            return lib.search.passages(query, 30, cancel=token)

        self.runner.run(f"Searching for “{query}”", work, kind="search", lane="search",
                        on_success=lambda hits: self.search.show_hits(query, hits))

    def find_concepts(self) -> None:
        if self.library is None or self.runner.running("concepts"):
            return
        self.tabs.setCurrentWidget(self.concepts)
        lib = self.library
        from harvest_desktop.ui.panes.concepts import compute_concepts

        self.runner.run("Finding concepts", lambda t, r: compute_concepts(lib, t, r), kind="concepts",
                        on_success=self.concepts.show_data)

    # -- jobs, messages, dialogs -----------------------------------------------------------------
    def cancel_current(self) -> None:
        job: Job | None = self.runner.current()
        if job is not None:
            job.cancel()
            self.statusBar().showMessage(f"Cancelling {job.title}…", 5000)

    def show_known_error(self, text: str) -> None:
        if not self.is_ready:  # the message bar comes with the panes; the status line says it now
            self.when_ready(lambda: self.messages.add(text))
            self.statusBar().showMessage(text, 10000)
            return
        self.messages.add(text)
        self.statusBar().showMessage(text, 10000)

    def offer_repair(self, exc) -> None:
        """A damaged library: the message (with where, and the copy kept) gets a Repair action."""
        if not self.is_ready:
            self.when_ready(lambda: self.offer_repair(exc))
            return
        self.messages.add(f"The library is damaged: {exc}", action=("Repair library", lambda: self.repair_library(exc)))

    def repair_library(self, exc) -> None:
        """SQLite recovery into a new file, swapped in; the damaged file stays as a copy."""
        from harvest_desktop.core import paths

        path = Path(getattr(exc, "path", None) or paths.db_path())
        library, self.library = self.library, None
        self._set_library_actions(False)

        def work(_token, _report):
            from harvest_desktop.services.storage import repair

            if library is not None:
                library.close()
            return repair(path)

        def done(result) -> None:
            self.messages.clear()
            self.messages.add(f"Library repaired: {result.summary()}")
            self.library_repaired.emit()

        self.runner.run("Repairing the library", work, kind="repair", on_success=done)

    def open_settings(self) -> None:
        try:
            from harvest_desktop.ui.settings_dialog import SettingsDialog
        except ImportError:
            self.statusBar().showMessage("Settings are not available in this build.", 5000)
            return
        dialog = SettingsDialog(self.settings, self)
        dialog.setAccessibleName("Settings")
        if self.run_dialog(dialog):
            try:
                self.settings.save()
            except OSError as exc:
                self.show_known_error(f"Settings: could not save ({exc.strerror}); check the data folder")
            self.apply_settings()
            if (keys := self._lazy.built("keys")) is not None:
                keys.refresh()  # it shows the Ollama address
        dialog.deleteLater()

    def apply_settings(self) -> None:
        from PySide6.QtWidgets import QApplication

        from harvest_desktop.ui.theme import apply_theme

        apply_theme(QApplication.instance(), self.settings.theme)
        self.settings_applied.emit()


def _attribution_html(src: Source | None, doc) -> str:
    if src is None:
        return "<i>This source was removed.</i>"
    from html import escape

    rows = [("Title", src.title or src.name), ("Location", src.final_url or src.location),
            ("Author", src.author), ("Site", src.site), ("Published", src.published), ("License", src.license),
            ("Fetched", human_time(src.fetched_at)), ("Pages", src.pages),
            ("Characters", f"{src.char_count:,}" if src.char_count else None), ("Status", (src.status or "").capitalize())]
    if src.error:
        rows.append(("Problem", src.error))
    body = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;</td><td>{escape(str(v))}</td></tr>" for k, v in rows if v)
    return f"<table>{body}</table>"


def _open_url(url: QUrl) -> bool:
    from PySide6.QtGui import QDesktopServices

    return QDesktopServices.openUrl(url)


def _ask_files(parent: QWidget) -> list[str]:
    from PySide6.QtWidgets import QFileDialog

    files, _ = QFileDialog.getOpenFileNames(parent, "Add files", "",
                                            "Documents (*.md *.markdown *.txt *.pdf *.html *.htm *.docx *.pptx "
                                            "*.odt *.rtf *.epub);;All files (*)")
    return files


def _ask_folder(parent: QWidget) -> str:
    from PySide6.QtWidgets import QFileDialog

    return QFileDialog.getExistingDirectory(parent, "Add folder")


def _ask_urls(parent: QWidget) -> tuple[list[str], bool]:
    from harvest_desktop.ui.dialogs import ask_urls

    return ask_urls(parent)
