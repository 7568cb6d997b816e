"""`python -m harvest_desktop`: early checks, crash hooks, QApplication + qasync loop, then the app."""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # as early as this module can measure; the startup probe uses it
_T0_WALL = time.time()
_T0_CPU = time.process_time()

import os  # noqa: E402
import sys  # noqa: E402

MIN_PYTHON = (3, 11)
# Never imported before the first paint (the startup probe reports any that were).
HEAVY_MODULES = ("torch", "sentence_transformers", "spacy", "faiss", "litellm", "trafilatura", "reportlab",
                 "transformers", "sqlmodel", "sqlalchemy")


_PHASES: list[tuple[str, float, float]] = []


def _phase(name: str) -> None:
    """Marks the end of a start-up step; the startup probe prints how long each one took (wall and CPU)."""
    _PHASES.append((name, time.perf_counter(), time.process_time()))


def _check_python() -> None:
    if sys.version_info < MIN_PYTHON:
        sys.stderr.write(f"Harvest needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; "
                         f"this is {sys.version.split()[0]}.\n")
        raise SystemExit(2)


def _probe_origin() -> tuple[float, str] | None:
    """HARVEST_STARTUP_PROBE=1 times from this module; =<epoch seconds> times from the launcher's clock."""
    value = os.environ.get("HARVEST_STARTUP_PROBE", "")
    if not value:
        return None
    try:
        launched = float(value)
    except ValueError:
        launched = 0.0
    if launched > 1_000_000:
        return launched, "wall"
    return _T0, "perf"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _check_python()
    if argv and argv[0] == "--smoke-test":
        from harvest_desktop.ui.smoke import run_smoke

        return run_smoke(argv[1:])
    if argv and argv[0] in ("--version", "-V"):
        from harvest_desktop import __version__

        print(f"Harvest {__version__}")
        return 0

    # Before the first paint only what the window's frame needs: the settings (data folder, theme),
    # PySide6 and the frame itself (title, menus, status line). Logging, asyncio and qasync, the
    # crash hooks, the panes and the library all come after it, so the window shows at once.
    from harvest_desktop.core.settings import Settings, apply_data_folder_choice

    _phase("checks")
    held = _hold_log_records()  # the log file is opened after the first paint
    apply_data_folder_choice()
    settings = Settings.load()
    _phase("settings")

    from PySide6.QtWidgets import QApplication

    from harvest_desktop import APP_ID, APP_NAME

    qapp = QApplication.instance() or QApplication([sys.argv[0], *argv])
    qapp.setApplicationName(APP_NAME)
    qapp.setOrganizationName(APP_NAME)
    qapp.setDesktopFileName(APP_ID)
    qapp.setQuitOnLastWindowClosed(False)  # the app closes itself after winding jobs down
    from harvest_desktop.ui import none_refs

    none_refs.install(qapp)  # before any void Qt call: a binding that loses references to None cannot abort
    _phase("PySide6, QApplication")

    from harvest_desktop.core import paths
    from harvest_desktop.ui.first_paint import wait_for_first_paint
    from harvest_desktop.ui.main_window import MainWindow
    from harvest_desktop.ui.theme import check_system_theme, start_theme

    window = MainWindow(paths.data_dir() / "ui-state.ini")
    shown_dark = start_theme(qapp, settings.theme, window.ui_state)
    _phase("the window's frame")
    window.show()
    _phase("show")
    probe = _probe_origin()
    # Qt's own loop, until the frame is mapped and painted (a window that is never drawn, e.g.
    # started minimised, holds the rest back 3 s at most; the probe waits for the real paint).
    painted = wait_for_first_paint(window, timeout_ms=3000 if probe is None else 120_000)
    if probe is not None:
        if not painted:
            sys.stderr.write("HARVEST_STARTUP_PROBE: the window was not painted within 120 s\n")
            return 3
        _report_first_paint(*probe)
    # From here on each step lets the window handle its events before the next one.
    turns = _Turns()  # the gaps between the turns of the event loop: how long the window was frozen

    def turn() -> None:
        qapp.processEvents()
        turns.mark()

    turn()
    check_system_theme(qapp, settings.theme, window.ui_state, shown_dark)
    turn()

    from harvest_desktop.core.logging_setup import setup_logging

    setup_logging()
    _release_log_records(held)  # e.g. a settings file that was not valid and was kept aside
    turn()

    import asyncio

    turn()
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    turn()

    from harvest_desktop.app import HarvestApp

    harvest: HarvestApp | None = None
    _install_crash_hooks(loop, lambda: harvest.window if harvest is not None else None)
    turn()

    harvest = HarvestApp(qapp, loop, settings=settings, window=window, painted=True,
                         warm=probe is None, show_welcome=probe is None)
    if probe is not None:  # the probe also times the working window, then closes it
        _report_when_working(harvest, turns, *probe)
    harvest.start()  # the panes are built in steps on the loop, the library opens behind them
    with loop:
        loop.run_until_complete(harvest.run_until_closed())
    from harvest_desktop.core.logging_setup import shutdown_logging

    shutdown_logging()
    return 0


def _hold_log_records():
    """Keep what is logged before the log file is set up (warnings about the settings file)."""
    import logging

    class Held(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    held = Held()
    logging.getLogger().addHandler(held)
    return held


def _release_log_records(held) -> None:
    """Hand the kept records to the handlers set up since (the log file)."""
    import logging

    root = logging.getLogger()
    root.removeHandler(held)
    for record in held.records:
        root.handle(record)


def _since(origin: float, clock: str) -> float:
    return (time.time() if clock == "wall" else time.perf_counter()) - origin


def _report_first_paint(origin: float, clock: str) -> None:
    """HARVEST_STARTUP_PROBE: the seconds (wall and CPU) to the main window's first paint, per step."""
    elapsed = _since(origin, clock)
    print(f"HARVEST_FIRST_PAINT_S={elapsed:.4f}", flush=True)
    print(f"HARVEST_FIRST_PAINT_CPU_S={time.process_time():.4f}", flush=True)  # this process's CPU so far
    _phase("first paint")
    steps, cpu_steps, last, last_cpu = [], [], _T0, _T0_CPU
    if clock == "wall":
        steps.append(f"interpreter start {1000 * (_T0_WALL - origin):.0f}")
    cpu_steps.append(f"interpreter start {1000 * _T0_CPU:.0f}")
    for name, at, cpu in _PHASES:
        steps.append(f"{name} {1000 * (at - last):.0f}")
        cpu_steps.append(f"{name} {1000 * (cpu - last_cpu):.0f}")
        last, last_cpu = at, cpu
    print(f"HARVEST_PHASES_MS={'; '.join(steps)}", flush=True)
    print(f"HARVEST_PHASES_CPU_MS={'; '.join(cpu_steps)}", flush=True)
    print("HARVEST_FIRST_PAINT (imports after this line came after the first paint)", file=sys.stderr, flush=True)
    heavy = sorted(n for n in HEAVY_MODULES if n in sys.modules)
    print(f"HARVEST_HEAVY_AT_PAINT={','.join(heavy) or 'none'}", flush=True)
    if os.environ.get("HARVEST_STARTUP_PROBE_EXIT") == "1":  # count nothing after the paint (bench)
        sys.stderr.flush()
        os._exit(0)


class _Turns:
    """When the event loop last handled the window's events, and the longest wait between two turns."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0

    def mark(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def _report_when_working(harvest, turns: _Turns, origin: float, clock: str) -> None:
    """HARVEST_STARTUP_PROBE: also the seconds to the panes built (the window works) and to the
    library shown in them, and the longest the window went without handling its events from the
    first paint until then (HARVEST_LONGEST_STALL_MS); then the window closes and the app quits."""
    window = harvest.window

    def ready() -> None:
        print(f"HARVEST_READY_S={_since(origin, clock):.4f}", flush=True)

    def library_shown() -> None:
        if window.library is None or harvest.runner.running("load"):
            return
        print(f"HARVEST_LIBRARY_S={_since(origin, clock):.4f}", flush=True)
        print(f"HARVEST_LONGEST_STALL_MS={1000 * turns.longest:.0f}", flush=True)
        timer.stop()
        window.close()

    def tick() -> None:
        turns.mark()
        library_shown()

    from PySide6.QtCore import QTimer

    window.ready.connect(ready)
    timer = QTimer(window)
    timer.setInterval(0)  # every turn of the loop
    timer.timeout.connect(tick)
    timer.start()


def _install_crash_hooks(loop, window_getter) -> None:
    """Uncaught exceptions write a crash log and open the crash dialog on the main thread;
    uncaught KnownErrors become the window's non-modal message instead."""
    from harvest_desktop.core import crash
    from harvest_desktop.ui.crash_dialog import install_crash_dialog

    def known_error(exc) -> None:
        window = window_getter()
        if window is not None and not loop.is_closed():
            loop.call_soon_threadsafe(window.show_known_error, str(exc))

    install_crash_dialog(on_known_error=known_error)
    crash.install_asyncio_handler(loop)


if __name__ == "__main__":
    raise SystemExit(main())
