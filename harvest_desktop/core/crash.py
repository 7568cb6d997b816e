"""Turn uncaught exceptions into crash logs and a callback; known errors and Ctrl+C are not crashes.

Qt-free: the UI passes `on_crash` (the crash dialog) and nothing here knows how it is shown.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Callable

from harvest_desktop import APP_NAME, __version__
from harvest_desktop.core import paths
from harvest_desktop.core.errors import Cancelled, KnownError
from harvest_desktop.core.logging_setup import current_log_path, recent_log_lines, redact

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 200  # exception messages can quote document text; keep only the start
MAX_LOG_LINE_CHARS = 240
LOG_TAIL_LINES = 40
KEEP_CRASH_FILES = 50

CrashCallback = Callable[["CrashReport"], None]
KnownErrorCallback = Callable[[KnownError], None]


@dataclass
class CrashReport:
    """Everything a person needs to report a bug, already redacted."""

    when: str
    exc_type: str
    message: str
    traceback_text: str
    version: str
    platform: str
    python: str
    qt: str | None = None
    thread: str = "MainThread"
    log_tail: list[str] = field(default_factory=list)
    log_path: Path | None = None  # the app's rotating log file
    path: Path | None = None  # this report's crash file, once written

    @property
    def summary(self) -> str:
        """One line for the dialog's headline."""
        return f"{self.exc_type}: {self.message}" if self.message else self.exc_type

    def text(self) -> str:
        lines = [
            f"{APP_NAME} crash report",
            f"Time: {self.when}",
            f"Version: {self.version}",
            f"Platform: {self.platform}",
            f"Python: {self.python}",
            f"Qt: {self.qt or 'not loaded'}",
            f"Thread: {self.thread}",
            "",
            f"Error: {self.summary}",
            "",
            "Traceback:",
            self.traceback_text.rstrip(),
        ]
        if self.log_tail:
            lines += ["", f"Last {len(self.log_tail)} log lines:", *self.log_tail]
        return "\n".join(lines) + "\n"

    def text_for_clipboard(self) -> str:
        """The report as pasted into a bug report: no keys, no document text, no environment."""
        return redact(self.text())


def build_report(
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    *,
    thread_name: str | None = None,
) -> CrashReport:
    """Collect the facts about one exception; nothing is written to disk here."""
    if exc is not None and tb is None:
        tb = exc.__traceback__
    tb_text = format_traceback(exc_type, exc, tb)
    message = _short(str(exc) if exc is not None else "", MAX_MESSAGE_CHARS)
    tail = [_short(line, MAX_LOG_LINE_CHARS) for line in recent_log_lines(LOG_TAIL_LINES)]
    return CrashReport(
        when=datetime.now().astimezone().isoformat(timespec="seconds"),
        exc_type=_qualified_name(exc_type),
        message=redact(message),
        traceback_text=redact(tb_text),
        version=__version__,
        platform=platform.platform(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        qt=qt_version(),
        thread=thread_name or threading.current_thread().name,
        log_tail=tail,
        log_path=current_log_path(),
    )


def write_report(report: CrashReport) -> Path:
    """Write the report to a new timestamped file under paths.crash_dir() and remember where."""
    folder = paths.crash_dir()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.log"
    report.path = path
    path.write_text(report.text_for_clipboard(), encoding="utf-8")
    _prune(folder)
    return path


def qt_version() -> str | None:
    """Qt and binding versions when the UI has already loaded them; never imports Qt itself."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is None:
        return None
    qt = getattr(qtcore, "qVersion", lambda: "?")()
    binding = getattr(sys.modules.get("PySide6"), "__version__", "?")
    return f"Qt {qt}, PySide6 {binding}"


# -- hooks ------------------------------------------------------------------------------------

class _State:
    on_crash: CrashCallback | None = None
    on_known_error: KnownErrorCallback | None = None
    installed = False
    previous_excepthook: Callable[..., Any] | None = None
    previous_threading_hook: Callable[..., Any] | None = None
    handling = threading.local()


def install_hooks(
    on_crash: CrashCallback | None = None,
    on_known_error: KnownErrorCallback | None = None,
) -> None:
    """Route uncaught exceptions (main thread and other threads) here; safe to call again."""
    _State.on_crash = on_crash
    _State.on_known_error = on_known_error
    if not _State.installed:
        _State.previous_excepthook = sys.excepthook
        _State.previous_threading_hook = threading.excepthook
        _State.installed = True
    sys.excepthook = _sys_hook
    threading.excepthook = _threading_hook


def uninstall_hooks() -> None:
    """Put back the hooks that were there before install_hooks()."""
    if not _State.installed:
        return
    sys.excepthook = _State.previous_excepthook or sys.__excepthook__
    threading.excepthook = _State.previous_threading_hook or threading.__excepthook__
    _State.installed = False
    _State.on_crash = None
    _State.on_known_error = None


def install_asyncio_handler(loop: asyncio.AbstractEventLoop) -> None:
    """Make exceptions nobody awaited on this loop go through the same crash path."""
    loop.set_exception_handler(asyncio_handler)


def asyncio_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An asyncio exception handler: real exceptions become crashes, the rest is logged."""
    exc = context.get("exception")
    if isinstance(exc, asyncio.CancelledError):
        return
    if isinstance(exc, BaseException):
        handle_exception(type(exc), exc, exc.__traceback__)
        return
    message = redact(str(context.get("message") or "unhandled event in the asyncio loop"))
    log.error("asyncio: %s", message)


def handle_exception(
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    *,
    thread_name: str | None = None,
) -> CrashReport | None:
    """Decide whether this is a crash; if so write the log, call on_crash and return the report."""
    if exc_type is not None and issubclass(exc_type, Cancelled):
        log.debug("cancelled: %s", exc)
        return None
    if exc_type is not None and issubclass(exc_type, KnownError):
        log.warning("%s", exc)
        if _State.on_known_error is not None and isinstance(exc, KnownError):
            _call_safely(_State.on_known_error, exc)
        return None
    if getattr(_State.handling, "active", False):
        # An exception while reporting an exception: do not recurse, print and move on.
        sys.__excepthook__(exc_type, exc, tb)
        return None
    _State.handling.active = True
    try:
        report = build_report(exc_type, exc, tb, thread_name=thread_name)
        # The report's traceback, not exc_info: its messages are cut short (they may quote a document).
        log.error("uncaught %s in %s\n%s", report.summary, report.thread, report.traceback_text.rstrip())
        try:
            write_report(report)
        except OSError as write_error:
            log.error("could not write the crash log: %s", write_error)
        if report.path is not None:
            log.error("crash log written to %s", report.path)
        if _State.on_crash is not None:
            _call_safely(_State.on_crash, report)
        else:
            sys.stderr.write(report.text_for_clipboard())
        return report
    finally:
        _State.handling.active = False


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
        previous = _State.previous_excepthook or sys.__excepthook__
        previous(exc_type, exc, tb)
        return
    handle_exception(exc_type, exc, tb)


def _threading_hook(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, (KeyboardInterrupt, SystemExit)):
        previous = _State.previous_threading_hook or threading.__excepthook__
        previous(args)
        return
    name = args.thread.name if args.thread is not None else None
    handle_exception(args.exc_type, args.exc_value, args.exc_traceback, thread_name=name)


def _call_safely(callback: Callable[[Any], None], value: Any) -> None:
    try:
        callback(value)
    except Exception:
        log.exception("the crash callback itself failed")


# -- helpers ----------------------------------------------------------------------------------

def _qualified_name(exc_type: type[BaseException]) -> str:
    module = getattr(exc_type, "__module__", "")
    name = getattr(exc_type, "__qualname__", str(exc_type))
    return name if module in ("builtins", "") else f"{module}.{name}"


def _short(text: str, limit: int) -> str:
    text = text.replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CHAIN_MARKERS = ("The above exception", "During handling of the above exception")


def format_traceback(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> str:
    """The usual traceback, with each exception's message cut short (it may quote a document)."""
    out: list[str] = []
    for chunk in traceback.TracebackException(exc_type, exc, tb).format(chain=True):
        stripped = chunk.strip()
        if (
            chunk.startswith("  ")
            or stripped.startswith("Traceback (most recent call last)")
            or stripped.startswith(_CHAIN_MARKERS)
            or not stripped
        ):
            out.append(chunk)
            continue
        lines = chunk.rstrip("\n").splitlines()
        kept = [_short(line, MAX_MESSAGE_CHARS) for line in lines[:3]]
        if len(lines) > 3:
            kept.append(f"… ({len(lines) - 3} more lines)")
        out.append("\n".join(kept) + "\n")
    return "".join(out)


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("crash-*.log"))
    for old in files[:-KEEP_CRASH_FILES]:
        try:
            old.unlink()
        except OSError:
            pass
