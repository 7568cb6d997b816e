"""Uncaught exceptions become a crash log and a callback; known errors and Ctrl+C do not."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading

import pytest

from harvest_desktop.core import crash, logging_setup, paths
from harvest_desktop.core.errors import BadInput, Cancelled

# Planted fake keys, assembled at run time so that secret scanners do not flag this file.
FAKE_KEY = "sk-ant-" + "api03-PlantedFakeKey0123456789abcdef"
DOC_TEXT = "Chlorophyll absorbs mostly blue and red light. " * 40


@pytest.fixture(autouse=True)
def _restore_hooks():
    before = (sys.excepthook, threading.excepthook)
    yield
    crash.uninstall_hooks()
    logging_setup.shutdown_logging()
    assert (sys.excepthook, threading.excepthook) == before


def _raise_bug() -> None:
    def deep() -> None:
        raise ValueError(f"could not parse: {DOC_TEXT} (key {FAKE_KEY})")

    deep()


def _exc_info():
    try:
        _raise_bug()
    except ValueError:
        return sys.exc_info()
    raise AssertionError("unreachable")


def test_sys_hook_writes_log_and_calls_back():
    logging_setup.setup_logging()
    logging.getLogger("harvest_desktop.test").info("before the crash, key=%s", FAKE_KEY)
    seen: list[crash.CrashReport] = []
    crash.install_hooks(on_crash=seen.append)
    sys.excepthook(*_exc_info())

    assert len(seen) == 1
    report = seen[0]
    assert report.path is not None and report.path.parent == paths.crash_dir()
    text = report.path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "in deep" in text and "ValueError" in text
    assert "Version: " in text and "Python: " in text and "Platform: " in text
    assert "before the crash" in text  # last log lines are included
    assert FAKE_KEY not in text


def test_clipboard_text_has_no_key_and_no_document_text():
    report = crash.build_report(*_exc_info())
    clip = report.text_for_clipboard()
    assert FAKE_KEY not in clip
    assert DOC_TEXT not in clip
    assert len(report.message) <= crash.MAX_MESSAGE_CHARS  # the message is cut short
    assert max(len(line) for line in clip.splitlines()) <= 400
    assert "ValueError" in clip


def test_key_in_a_short_message_is_masked():
    try:
        raise PermissionError(f"401 from provider for key {FAKE_KEY}")
    except PermissionError:
        report = crash.build_report(*sys.exc_info())
    assert FAKE_KEY not in report.text_for_clipboard()
    assert FAKE_KEY not in report.summary
    assert "401 from provider" in report.summary


def test_clipboard_text_leaves_out_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-EnvironmentSecret0123456789")
    clip = crash.build_report(*_exc_info()).text_for_clipboard()
    assert "EnvironmentSecret" not in clip and "OPENAI_API_KEY" not in clip


def test_thread_exceptions_are_crashes():
    seen: list[crash.CrashReport] = []
    crash.install_hooks(on_crash=seen.append)
    worker = threading.Thread(target=_raise_bug, name="harvest-parse-0")
    worker.start()
    worker.join()
    assert len(seen) == 1
    assert seen[0].thread == "harvest-parse-0"
    assert seen[0].path is not None and seen[0].path.exists()


def test_known_errors_and_cancel_are_not_crashes(caplog):
    seen: list[crash.CrashReport] = []
    known: list[Exception] = []
    crash.install_hooks(on_crash=seen.append, on_known_error=known.append)
    for exc in (BadInput("not a PDF", item="notes.pdf"), Cancelled()):
        try:
            raise exc
        except Exception:
            sys.excepthook(*sys.exc_info())
    assert seen == []
    assert len(known) == 1 and "notes.pdf" in str(known[0])
    assert list(paths.crash_dir().glob("crash-*.log")) == []
    assert "not a PDF" in caplog.text


def test_keyboard_interrupt_passes_through():
    passed: list[type] = []
    original = sys.excepthook
    sys.excepthook = lambda t, e, tb: passed.append(t)
    try:
        seen: list[crash.CrashReport] = []
        crash.install_hooks(on_crash=seen.append)
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            sys.excepthook(*sys.exc_info())
        crash.uninstall_hooks()
    finally:
        sys.excepthook = original
    assert passed == [KeyboardInterrupt]
    assert seen == []


def test_failing_callback_does_not_recurse():
    def bad(report: crash.CrashReport) -> None:
        raise RuntimeError("dialog failed")

    crash.install_hooks(on_crash=bad)
    sys.excepthook(*_exc_info())  # must return normally
    assert len(list(paths.crash_dir().glob("crash-*.log"))) == 1


def test_asyncio_handler_reports_unretrieved_exceptions():
    seen: list[crash.CrashReport] = []
    crash.install_hooks(on_crash=seen.append)

    async def fails() -> None:
        _raise_bug()

    loop = asyncio.new_event_loop()
    try:
        crash.install_asyncio_handler(loop)
        task = loop.create_task(fails())
        loop.run_until_complete(asyncio.wait([task]))
        loop.call_exception_handler({"message": "Task exception was never retrieved",
                                     "exception": task.exception(), "task": task})
        loop.call_exception_handler({"message": "a plain message"})
        loop.call_exception_handler({"message": "cancelled", "exception": asyncio.CancelledError()})
    finally:
        loop.close()
    assert len(seen) == 1
    assert "in deep" in seen[0].traceback_text


def test_report_names_qt_only_when_loaded():
    report = crash.build_report(*_exc_info())
    if "PySide6.QtCore" in sys.modules:
        assert report.qt and "Qt" in report.qt
    else:
        assert report.qt is None


def test_installing_again_replaces_the_callback_and_uninstall_restores_once():
    first: list[crash.CrashReport] = []
    second: list[crash.CrashReport] = []
    crash.install_hooks(on_crash=first.append)
    crash.install_hooks(on_crash=second.append)
    sys.excepthook(*_exc_info())
    assert first == [] and len(second) == 1


def test_crash_files_are_pruned(monkeypatch):
    monkeypatch.setattr(crash, "KEEP_CRASH_FILES", 3)
    for _ in range(5):
        crash.write_report(crash.build_report(*_exc_info()))
    assert len(list(paths.crash_dir().glob("crash-*.log"))) == 3
