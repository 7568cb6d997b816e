"""Background work yields the CPU to the window: a lower scheduling priority for harvest threads.

On two busy cores the window's thread was ready to run but waiting for a core while a book was
harvested (tests/bench/bench_ui_stall.py --book --sample: "scheduler state R 100%" during every
late tick). The window asks for it by setting HARVEST_BACKGROUND_NICE before the library opens;
the worker threads that parse, analyse and embed (and the contained parser processes, told by
their parent) then run that much "nicer" than the UI thread; so do the threads an embedding call
runs its batches on, and threads a lowered thread makes inherit its priority. Linux only: elsewhere a thread's
priority is not set this way, and nothing changes. The CLI leaves it unset: there is no window
to keep responsive.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

ENV = "HARVEST_BACKGROUND_NICE"


def background_nice() -> int:
    """How much lower background work runs (0: not at all)."""
    try:
        return max(0, min(19, int(os.environ.get(ENV, "0"))))
    except ValueError:
        return 0


def lower_this_thread() -> None:
    """Run the calling thread at the background priority: the process's own priority plus the step,
    whichever thread made it, never lower still (an executor's or a pool's initializer)."""
    step = background_nice()
    if not step or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + step)
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except (OSError, AttributeError) as exc:  # not permitted here: run as before
        log.debug("could not lower a worker thread's priority: %s", exc)


def lower_this_process(step: int) -> None:
    """The same for a contained worker process (its main thread, and the threads it makes later);
    the parent hands `step` over (background_nice() there)."""
    if not step or not hasattr(os, "nice"):
        return
    try:
        os.nice(step)
    except OSError as exc:
        log.debug("could not lower a worker process's priority: %s", exc)
