"""CLI-wide fault handling: each fault one line on stderr (exit 1), a closed pipe ends quietly, a bug
writes a crash report under crashes/ and says where in one line."""

from __future__ import annotations

import os
import sys
from typing import Callable

EXIT_FAULT = 1


def quiet_closed_pipe() -> int:
    """`harvest list | head`: the reader left; stop without a traceback (and without the one
    Python prints at exit when it flushes stdout into the closed pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return EXIT_FAULT


def say(text: str) -> None:
    """One line on stderr, safe for any text (names with bad bytes or newlines stay one line)."""
    from harvest_desktop.acquire.files import display_name

    try:
        print(f"harvest: {display_name(text)}", file=sys.stderr, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        pass


def report_crash(exc: BaseException) -> int:
    """A bug: crash report under crashes/ (redacted, messages cut short), one line naming it."""
    from harvest_desktop.core import crash

    reports: list = []
    crash.install_hooks(on_crash=reports.append)
    crash.handle_exception(type(exc), exc, exc.__traceback__)
    report = reports[0] if reports else None
    where = f"; the crash report is in {report.path}" if report is not None and report.path else ""
    say(f"internal error ({type(exc).__name__}){where}; please report it")
    return EXIT_FAULT


def guarded(run: Callable[[], int]) -> int:
    """Run one command; every fault a person can act on becomes one line and exit 1."""
    from harvest_desktop.cli._common import UsageError
    from harvest_desktop.core.errors import Cancelled, KnownError
    from harvest_desktop.services.storage import as_storage_error

    try:
        return run()
    except BrokenPipeError:
        return quiet_closed_pipe()
    except KnownError as exc:
        say(str(exc))
        return EXIT_FAULT
    except UsageError as exc:
        say(str(exc))
        return 2
    except (Cancelled, KeyboardInterrupt):
        say("cancelled")
        return 130
    except OSError as exc:
        fault = as_storage_error(exc)
        if fault is not None:
            say(str(fault))
            return EXIT_FAULT
        return report_crash(exc)
    except Exception as exc:  # a bug
        return report_crash(exc)
