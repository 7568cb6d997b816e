"""Qt-free progress reporting; the UI adapts it into progress bars."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None  # None = indeterminate
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class ProgressFn(Protocol):
    def __call__(self, progress: Progress) -> None: ...


def no_progress(progress: Progress) -> None:
    """Default sink when nobody listens."""


def scaled(report: ProgressFn, start: int, span: int, total: int) -> Callable[[Progress], None]:
    """Map a sub-step's progress into a slice [start, start+span) of a parent total."""

    def inner(p: Progress) -> None:
        frac = p.fraction or 0.0
        report(Progress(start + int(frac * span), total, p.message))

    return inner


# -- pages read, reported from inside a reader ------------------------------------------------------
# A reader (the PDF reader's page loop) cannot take a callback through every layer between it and
# the job, and it often runs in a contained worker process: it calls report_pages(), and whoever
# runs it (the worker loop, a test) installs the sink for its own thread with reporting_pages().
import threading as _threading
from contextlib import contextmanager as _contextmanager

PageSink = Callable[[int, int, str], None]  # (pages done, pages in all, what: "read" | "OCR")
_pages = _threading.local()


def report_pages(done: int, total: int, what: str = "read") -> None:
    """Pages done so far in the reader on this thread (nobody listening: nothing happens)."""
    sink = getattr(_pages, "sink", None)
    if sink is not None:
        sink(done, total, what)


@_contextmanager
def reporting_pages(sink: PageSink | None):
    """Send this thread's report_pages() calls to `sink` while inside."""
    before = getattr(_pages, "sink", None)
    _pages.sink = sink
    try:
        yield
    finally:
        _pages.sink = before
