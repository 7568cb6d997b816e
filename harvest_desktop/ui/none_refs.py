"""A reserve of references to None, so a Qt binding that drops references to None cannot abort the app.

PySide6 6.12.0 on CPython 3.11 releases a reference to None on every call of a method that returns
void (setEnabled, setText, setValue, setPalette, ...) without having taken one. Before Python 3.12
None is an ordinary object with a reference count, and when that count reaches zero CPython aborts
("Fatal Python error: none_dealloc"): a light process after some thousands of such calls, a busy
window (progress bars, a streaming preview) after hours. constraints.txt pins a binding without the
bug (tests/ui/test_none_refs.py checks it); this guard keeps any binding that has it from aborting:

- `install()` (the Qt start-up, before the window's frame) takes START references to None (a tuple
  of Nones, 8 bytes a reference: 0.8 MB, well under a millisecond before the first paint); its first
  check, a second later, takes the full RESERVE (8 MB, 2-10 ms);
- a timer on the main thread looks at `sys.getrefcount(None)` every CHECK_MS (about 30 ns) and,
  when it is under FLOOR, takes RESERVE more (and logs once that the binding loses references);
  between two checks the window can lose FLOOR references (half a million void calls, more than
  0.7 s of nothing but void calls on the main thread) before anything is at risk;
- at exit the reserve is never given back: finalisation releases every other reference to None,
  so a process that lost references would otherwise abort on its way out.

From Python 3.12 None is immortal (its reference count is a constant) and nothing is done.
"""

from __future__ import annotations

import atexit
import logging
import sys

log = logging.getLogger(__name__)

RESERVE = 1_000_000  # references taken at a time (8 MB)
START = 100_000  # taken before the first paint (the window's frame makes a few thousand void calls)
FLOOR = 500_000  # a top-up is due when None has fewer references than this
CHECK_MS = 1000

_held: list[tuple[None, ...]] = []  # every reserve taken, never released
_pinned = 0  # how many of _held are kept past interpreter finalisation
_lost_reported = False
_timer = None  # the QTimer of the running application


def needed() -> bool:
    """True where None is mortal: CPython before 3.12."""
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def held() -> int:
    """References to None the reserve holds."""
    return sum(len(chunk) for chunk in _held)


def top_up(floor: int = FLOOR, reserve: int = RESERVE) -> int:
    """Take `reserve` more references to None while it has fewer than `floor`; returns how many."""
    global _lost_reported
    if reserve <= 0:
        raise ValueError("reserve must be positive")
    taken = 0
    while sys.getrefcount(None) < floor:
        lost = held() >= reserve  # a whole reserve was there and is spent
        _held.append((None,) * reserve)  # one C loop under the GIL: 2-10 ms a million
        taken += reserve
        if lost and not _lost_reported:
            _lost_reported = True
            log.warning("references to None were released that were never taken (a C extension; "
                        "PySide6 %s here, 6.12.0 does it on every void call): holding %d more so the "
                        "app cannot abort", _binding_version(), reserve)
    return taken


def pin() -> None:
    """Keep every reserve past interpreter finalisation (an extra reference nothing releases)."""
    global _pinned
    if _pinned == len(_held):
        return
    try:
        import ctypes  # here, not at start-up: 4 ms that the first paint need not pay

        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        incref.restype = None
    except (ImportError, AttributeError, OSError) as exc:  # no C API to call: the reserve is given back
        log.warning("the reserve of references to None cannot be kept past exit (%s)", exc)
        return
    for chunk in _held[_pinned:]:
        incref(chunk)
    _pinned = len(_held)


def install(qapp, *, floor: int = FLOOR, reserve: int = RESERVE, check_ms: int = CHECK_MS,
            start: int = START) -> bool:
    """Take `start` references and start the check on `qapp`'s thread (its first run takes the full
    reserve); once per process, and only where None is mortal. Returns whether the guard runs."""
    global _timer
    if not needed():
        return False
    from PySide6.QtCore import QTimer  # (Qt's enums, 30 ms on first use, are left to the window)
    from shiboken6 import isValid

    if _timer is not None and isValid(_timer):
        return True

    if not _held and sys.getrefcount(None) < floor:
        _held.append((None,) * start)
    atexit.unregister(pin)
    atexit.register(pin)  # atexit runs before finalisation starts releasing objects
    _timer = QTimer(qapp)
    _timer.setObjectName("harvest-none-reserve")
    _timer.setInterval(check_ms)  # a coarse timer, Qt's default: no extra wake-ups
    _timer.timeout.connect(lambda: top_up(floor, reserve))
    _timer.start()
    return True


def _binding_version() -> str:
    try:
        import PySide6

        return PySide6.__version__
    except Exception:  # only for the log line
        return "?"
