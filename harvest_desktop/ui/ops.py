"""The one way the UI runs long work: a Job with progress and cancel, results on the main thread.

CPU work runs in a thread pool through ``loop.run_in_executor``; async work (the Library's
harvest) is awaited on the qasync loop. Progress reported from worker threads is coalesced and
handed to the main thread with ``call_soon_threadsafe``. A cancel is not an error; a KnownError
becomes a non-modal message; anything else is a bug and goes to the crash handler.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import Cancelled, KnownError, LibraryDamaged
from harvest_desktop.core.progress import Progress

log = logging.getLogger(__name__)

RUNNING, DONE, CANCELLED, FAILED = "running", "done", "cancelled", "failed"

Work = Callable[[CancelToken, Callable[[Progress], None]], Any]
AsyncWork = Callable[[CancelToken, Callable[[Progress], None]], Awaitable[Any]]


class _ProgressSink:
    """What a worker thread holds to report progress: a plain object with a weak link to its Job.

    A worker must never hold the last reference to a QObject: when the executor drops its work
    item on the worker thread, that reference would delete the Job's C++ object there, away from
    the main thread that owns it and its connections (an intermittent crash). This sink keeps the
    latest pending update and hands it to the main thread, where the Job (if still alive) emits it.
    """

    def __init__(self, job: "Job", loop: asyncio.AbstractEventLoop) -> None:
        self._job = weakref.ref(job)
        self._loop = loop
        self._main = threading.get_ident()
        self._pending: Progress | None = None
        self._lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        """Safe to call from any thread; only the latest pending update is kept."""
        if threading.get_ident() == self._main:
            self._deliver(progress)
            return
        with self._lock:
            scheduled = self._pending is not None
            self._pending = progress
        if not scheduled and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self.flush)
            except RuntimeError:  # the loop closed in between: nobody is left to show it
                pass

    def flush(self) -> None:
        with self._lock:
            progress, self._pending = self._pending, None
        if progress is not None:
            self._deliver(progress)

    def _deliver(self, progress: Progress) -> None:
        job = self._job()
        if job is not None:
            job._deliver(progress)


class Job(QObject):
    """One long piece of work the person can watch and cancel."""

    progressed = Signal(object)  # Progress, always delivered on the main thread
    finished = Signal(str)  # DONE | CANCELLED | FAILED

    def __init__(self, title: str, kind: str, loop: asyncio.AbstractEventLoop, *, visible: bool = True) -> None:
        super().__init__()
        self.title = title
        self.kind = kind
        self.visible = visible
        self.state = RUNNING
        self.error: str | None = None
        self.last: Progress | None = None
        self.token = CancelToken()
        self.sink = _ProgressSink(self, loop)  # what the work function is given as its `report`
        self.task: asyncio.Future | None = None

    def _deliver(self, progress: Progress) -> None:
        if self.state != RUNNING:
            return
        self.last = progress
        self.progressed.emit(progress)

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelling(self) -> bool:
        return self.token.cancelled and self.state == RUNNING

    def _finish(self, state: str, error: str | None = None) -> None:
        self.sink.flush()
        self.state = state
        self.error = error
        self.finished.emit(state)


class JobRunner(QObject):
    """Starts jobs, tracks the running ones, and routes their outcomes."""

    job_started = Signal(object)  # Job
    job_finished = Signal(object)  # Job
    message = Signal(str)  # non-modal text for the status bar / message area
    known_error = Signal(str)  # a KnownError, already phrased with item and fix
    library_damaged = Signal(object)  # a LibraryDamaged: the window offers Repair next to the message

    def __init__(self, loop: asyncio.AbstractEventLoop, *, max_workers: int = 2,
                 on_bug: Callable[[BaseException], None] | None = None) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="harvest-ui")
        self.lanes: dict[str, ThreadPoolExecutor] = {}
        self.on_bug = on_bug or _default_bug_handler
        self.jobs: list[Job] = []
        self._closed = False

    # -- starting work ---------------------------------------------------------------------------
    def run(self, title: str, work: Work, *, kind: str = "", visible: bool = True,
            on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None, lane: str | None = None) -> Job:
        """Run blocking work(token, report) on a worker thread (on its own lane's thread if given:
        a search never queues behind previews, exports or concept jobs)."""
        executor = self.executor if lane is None else self._lane(lane)
        # The work function (and whatever widgets its closure holds) is released on the main
        # thread: the worker only borrows it, so no QObject is ever freed on a worker thread.
        holder = [work]

        def on_worker(token: CancelToken, report: Callable[[Progress], None]) -> Any:
            fn = holder[0]
            try:
                return fn(token, report)
            finally:
                del fn

        async def call(token: CancelToken, report: Callable[[Progress], None]) -> Any:
            try:
                return await self.loop.run_in_executor(executor, on_worker, token, report)
            finally:
                holder.clear()

        return self.run_async(title, call, kind=kind, visible=visible, on_success=on_success, on_failure=on_failure)

    def run_async(self, title: str, work: AsyncWork, *, kind: str = "", visible: bool = True,
                  on_success: Callable[[Any], None] | None = None,
                  on_failure: Callable[[BaseException], None] | None = None) -> Job:
        """Run await work(token, report) on the event loop."""
        job = Job(title, kind, self.loop, visible=visible)
        if self._closed:  # shutting down: nothing new starts, and that is not an error
            job.token.cancel()
            job.state = CANCELLED
            return job
        self.jobs.append(job)
        self.job_started.emit(job)
        job.task = self.loop.create_task(self._drive(job, work, on_success, on_failure))
        return job

    def _lane(self, name: str) -> ThreadPoolExecutor:
        lane = self.lanes.get(name)
        if lane is None:
            lane = self.lanes[name] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"harvest-{name}")
        return lane

    async def _drive(self, job: Job, work: AsyncWork, on_success, on_failure) -> None:
        try:
            result = await work(job.token, job.sink)
            if job.token.cancelled and job.kind != "warmup":
                raise Cancelled()
        except (Cancelled, asyncio.CancelledError):
            self._end(job, CANCELLED)
            self.message.emit(f"Cancelled: {job.title}")
            return
        except KnownError as exc:
            text = f"{job.title}: {exc}"
            self._end(job, FAILED, text)
            self.known_error.emit(text)
            if isinstance(exc, LibraryDamaged):
                self.library_damaged.emit(exc)
            self._call(on_failure, exc)
            return
        except Exception as exc:  # a bug: the crash handler shows it and writes a log
            fault = _storage_fault(exc)
            if fault is not None:  # a full disk or read-only folder seen as a bare OSError: known
                text = f"{job.title}: {fault}"
                self._end(job, FAILED, text)
                self.known_error.emit(text)
                self._call(on_failure, fault)
                return
            self._end(job, FAILED, f"{exc.__class__.__name__}: {exc}")
            self._call(on_failure, exc)
            self.on_bug(exc)
            return
        self._end(job, DONE)
        self._call(on_success, result)

    def _call(self, fn: Callable[[Any], None] | None, arg: Any) -> None:
        if fn is None:
            return
        try:
            fn(arg)
        except Exception as exc:
            self.on_bug(exc)

    def _end(self, job: Job, state: str, error: str | None = None) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        job._finish(state, error)
        self.job_finished.emit(job)

    # -- queries and shutdown --------------------------------------------------------------------
    def running(self, kind: str | None = None) -> list[Job]:
        return [j for j in self.jobs if kind is None or j.kind == kind]

    def current(self) -> Job | None:
        """The most recently started visible job still running (what Esc cancels)."""
        for job in reversed(self.jobs):
            if job.visible and not job.token.cancelled:
                return job
        return None

    def cancel_all(self) -> None:
        for job in list(self.jobs):
            job.cancel()

    async def aclose(self, timeout: float = 30.0) -> None:
        """Cancel everything, let the jobs wind down, and stop the worker threads."""
        self._closed = True
        self.cancel_all()
        tasks = [j.task for j in self.jobs if j.task is not None and not j.task.done()]
        if tasks:
            done, still = await asyncio.wait(tasks, timeout=timeout)
            for t in still:
                t.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)
        for lane in self.lanes.values():
            lane.shutdown(wait=True, cancel_futures=True)


def _storage_fault(exc: BaseException):
    if not isinstance(exc, OSError):
        return None
    from harvest_desktop.services.storage import as_storage_error

    return as_storage_error(exc)


def _default_bug_handler(exc: BaseException) -> None:
    """Route a bug through sys.excepthook, where the crash hooks write the log and show the dialog."""
    sys.excepthook(type(exc), exc, exc.__traceback__)
