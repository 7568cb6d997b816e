"""The window paints its frame first (title, menus, status line) and builds its panes right after,
in steps on the event loop; then the panes appear and work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer

from tests.ui.helpers import drop_files, wait_ready_window, wait_status


class _Seen(QObject):
    """What the window held when its first Paint event arrived."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.at_paint: dict | None = None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and self.at_paint is None:
            w = self.window
            self.at_paint = {
                "ready": w.is_ready,
                "panes": [name for name in ("sources", "formats", "tabs", "splitter", "messages") if hasattr(w, name)],
                "title": w.windowTitle(),
                "menus": [a.text() for a in w.menuBar().actions()],
                "status": w.statusBar().currentMessage(),
                "enabled": sorted(a.text() for a in w.actions() if a.isEnabled()),
            }
        return False


def test_first_paint_shows_the_frame_then_the_panes_come_and_work(make_app, qtbot, docs):
    app = make_app(wait_open=False, wait_ready=False)
    w = app.window
    seen = _Seen(w)
    w.installEventFilter(seen)
    assert not w.is_ready and not hasattr(w, "sources")  # start() showed the frame only

    # Count the turns of the event loop while the panes are built: they come in steps, so the
    # window handles its events between them instead of freezing until all are there.
    turns = []
    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: turns.append(w.is_ready))
    ticker.start()
    wait_ready_window(qtbot, w)
    ticker.stop()

    at_paint = seen.at_paint
    assert at_paint is not None, "the window never painted"
    assert at_paint["ready"] is False and at_paint["panes"] == [], at_paint
    assert at_paint["title"] == "Harvest"
    assert at_paint["menus"] == ["&File", "&Make", "&Tools", "&View", "&Help"]
    assert at_paint["status"] == "Opening your library…"
    # Until the panes are there only Quit and Help do anything.
    assert at_paint["enabled"] == ["About Harvest", "Keyboard shortcuts", "Quit"], at_paint["enabled"]
    assert turns.count(False) >= 3, f"the panes were built in {turns.count(False)} turns of the loop"

    # Now the panes are there, in the window, and the library opens into them.
    for pane in (w.sources, w.formats, w.tabs, w.jobs):
        assert pane.isVisibleTo(w)
    assert not w.messages.isVisibleTo(w)  # no message yet
    assert w.centralWidget().isAncestorOf(w.splitter)
    assert [a.text() for a in w.menuBar().actions()][:5] == ["&File", "&Make", "&Tools", "&View", "&Help"]
    assert w.findChild(type(w.menuBar().actions()[3].menu()), "view_menu").actions(), "View menu left empty"
    assert w.add_files_action.isEnabled() and w.settings_action.isEnabled()
    qtbot.waitUntil(lambda: w.library is not None and not app.runner.running("load"), timeout=20000)
    assert w.generate_action.isEnabled() is False  # nothing ticked yet
    assert w.remove_action.isEnabled() and w.export_action.isEnabled()

    # And they work: a dropped file is harvested and shown.
    drop_files(w, [docs / "biology.md"])
    src = wait_status(qtbot, w, "biology.md", "ready")
    assert w.sources.sources[src.id].title == "Cell biology"


def test_a_file_dropped_on_the_frame_waits_for_the_library(make_app, qtbot, docs):
    app = make_app(wait_open=False, wait_ready=False)
    w = app.window
    drop_files(w, [docs / "biology.md"])  # before the panes and the library are there
    assert "will be added once the library is open" in w.statusBar().currentMessage()
    wait_ready_window(qtbot, w)
    wait_status(qtbot, w, "biology.md", "ready")


def test_closing_before_the_panes_are_built(make_app, qtbot, harvest_home):
    app = make_app(wait_open=False, wait_ready=False)
    w = app.window
    w.ui_state.setValue("window/splitter", b"kept")  # an earlier session's layout
    w.close()
    qtbot.waitUntil(lambda: app.closed.is_set(), timeout=5000)
    qtbot.wait(50)  # building steps already queued must not run on a closed window
    assert not w.is_ready
    assert w.ui_state.value("window/splitter") in (b"kept", "kept")  # not overwritten by a frame without panes


def _launch(home: Path, *python_options: str) -> subprocess.CompletedProcess:
    """`python -m harvest_desktop` offscreen with the start-up probe: it closes itself once the
    library is shown."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVEST_")}
    env.update(QT_QPA_PLATFORM="offscreen", HARVEST_HOME=str(home), HARVEST_NO_WELCOME="1",
               HARVEST_NO_WARMUP="1", HARVEST_STARTUP_PROBE="1",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, *python_options, "-m", "harvest_desktop"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_startup_probe_reports_the_first_paint_before_the_panes_and_the_library(tmp_path):
    """`python -m harvest_desktop` with HARVEST_STARTUP_PROBE: first paint, then the working window,
    then the library; the panes' modules, asyncio and the library are imported only after the paint."""
    proc = _launch(tmp_path / "home", "-X", "importtime")
    assert proc.returncode == 0, proc.stderr[-3000:]
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if line.startswith("HARVEST_"))
    paint, ready, library = (float(values[k]) for k in ("HARVEST_FIRST_PAINT_S", "HARVEST_READY_S",
                                                        "HARVEST_LIBRARY_S"))
    assert 0 < paint < ready < library
    assert values["HARVEST_HEAVY_AT_PAINT"] == "none"
    assert float(values["HARVEST_LONGEST_STALL_MS"]) > 0
    assert "the window's frame" in values["HARVEST_PHASES_MS"]
    before, marker, after = proc.stderr.partition("HARVEST_FIRST_PAINT (imports after this line")
    assert marker, proc.stderr[-2000:]

    def imported(text: str) -> set[str]:
        return {line.rsplit("|", 1)[-1].strip() for line in text.splitlines() if line.startswith("import time:")}

    early, late = imported(before), imported(after)
    assert "harvest_desktop.ui.main_window" in early
    for name in ("harvest_desktop.ui.panes.sources", "harvest_desktop.ui.panes.formats", "qasync",
                 "harvest_desktop.app", "harvest_desktop.core.logging_setup", "harvest_desktop.library"):
        assert name in late and name not in early, name


def test_settings_warnings_before_the_paint_reach_the_log_file(tmp_path):
    """The log file is opened after the first paint; what the settings said before it is not lost."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text("[1, 2]")
    proc = _launch(home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (home / "logs" / "harvest.log").read_text(encoding="utf-8")
    assert "settings.json was not valid" in log and "kept as settings.json.invalid-" in log, log[-2000:]
    assert log.count("settings.json was not valid") == 1
