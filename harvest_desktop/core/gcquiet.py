"""Hold off the garbage collector's full collections while a big, short-lived heap is built.

A full (generation 2) collection walks every tracked object while holding the GIL, so every
thread stops for it, the window's included. An analysis of a book allocates hundreds of thousands
of small containers that all live until it ends; as they pile up the collector runs full
collections that find nothing to free (measured: 0.15-1.4 s each, "0 collected", the window's
longest stalls; tests/bench/bench_ui_stall.py --sample). Those objects are freed by reference
counting when the work ends, so the young generations keep collecting as usual and only the full
collections wait until no such work is running.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

HOLD_OFF = 1_000_000  # generation-1 collections before a full one: in effect, not while held

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_full_collections() -> Iterator[None]:
    """No automatic full collection while any caller is inside (nested and threaded callers count)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            if _saved[0] > 0:  # 0: automatic collection is off already
                gc.set_threshold(_saved[0], _saved[1], HOLD_OFF)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                if gc.get_threshold()[2] == HOLD_OFF:  # nobody else changed them meanwhile
                    gc.set_threshold(*_saved)
                _saved = None
