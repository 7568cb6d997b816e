"""Fixtures for window tests: a qasync loop on pytest-qt's QApplication and a HarvestApp per test."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from tests.ui.helpers import BIOLOGY, wait_ready_window



@pytest.fixture
def qloop(qapp):
    """A qasync loop driven by whatever processes Qt events (qtbot.waitUntil, waitSignal)."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    # loop.stop() would call QApplication.exit(), which makes later Qt event loops return at once;
    # the loop never ran exec() here, so only its running flag needs clearing.
    loop._QEventLoop__is_running = False
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


class Bugs(list):
    """Bugs the runner routed to the crash path; a test fails if any appear."""


@pytest.fixture
def bugs() -> Bugs:
    return Bugs()


@pytest.fixture
def make_app(qapp, qloop, qtbot, bugs):
    """Build a HarvestApp (no welcome, no warm-up); every app made is closed and checked for leaks."""
    from harvest_desktop.app import HarvestApp

    made: list[HarvestApp] = []
    threads_before = {t.ident for t in threading.enumerate()}

    def factory(wait_open: bool = True, wait_ready: bool = True) -> HarvestApp:
        """wait_open: until the library is open and shown; wait_ready: until the panes are built
        (the window shows its frame first and builds them after its first paint)."""
        app = HarvestApp(qapp, qloop, show_welcome=False, warm=False, on_bug=bugs.append)
        made.append(app)
        app.start()
        if wait_open:
            qtbot.waitUntil(lambda: app.window.library is not None and not app.runner.running("load"),
                            timeout=20000)
        elif wait_ready:
            wait_ready_window(qtbot, app.window)
        return app

    factory.close = lambda app: close_app(app, qtbot)  # type: ignore[attr-defined]
    yield factory
    for app in made:
        close_app(app, qtbot)
    assert not bugs, f"bugs reached the crash path: {bugs!r}"
    qtbot.waitUntil(lambda: not _new_threads(threads_before), timeout=10000)


def _new_threads(before: set[int | None]) -> list[str]:
    return [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()
            and t.name.startswith(("harvest-", "QThread", "Dummy"))]


def close_app(app, qtbot) -> None:
    if getattr(app, "_test_closed", False):
        return
    app._test_closed = True
    task = app.loop.create_task(app.aclose())
    qtbot.waitUntil(task.done, timeout=30000)
    task.result()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "biology.md").write_text(BIOLOGY, encoding="utf-8")
    return folder


