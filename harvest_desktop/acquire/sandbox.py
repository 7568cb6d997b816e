"""Run untrusted parsers contained: a small pool of worker processes with time and memory limits.

A hostile file can cost one item and one worker, never the app: each job has a deadline (the
worker is killed and replaced when it passes), an address-space cap (RLIMIT_AS on Linux), and
a crash in native code ends only that worker. Workers are started with 'forkserver' on Linux
('spawn' elsewhere), never plain fork, because the app runs threads; they import only the core
and load each reader on first use.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing as mp
import os
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harvest_desktop.core import errors as _errors
from harvest_desktop.core.document import Document
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import BadInput, Cancelled, KnownError, LimitExceeded
from harvest_desktop.core.progress import PageSink
from harvest_desktop.core.settings import HarvestLimits

log = logging.getLogger(__name__)

RECYCLE_AFTER_JOBS = 400  # fresh worker now and then, so slow leaks in native readers cannot pile up
_MB = 1024 * 1024


# -- worker side ---------------------------------------------------------------------------------
def _set_memory_limit(mb: int) -> None:
    if mb <= 0 or not sys.platform.startswith("linux"):
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = mb * _MB
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):
        log.warning("could not set the parser memory limit to %s MB", mb)


def _resolve(target: str):
    module, _, name = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


PAGES_EVERY_S = 0.25  # a worker sends pages read at most this often (and always the last page)


def _page_sender(conn):
    """report_pages() inside the worker: ("pages", (done, total, what)) to the parent, throttled."""
    import time

    last = [0.0]

    def send(done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PAGES_EVERY_S:
            return
        last[0] = now
        try:
            conn.send(("pages", (done, total, what)))
        except (OSError, ValueError):
            pass

    return send


def _worker_main(conn, memory_mb: int, nice: int = 0) -> None:
    """Serve jobs until told to stop; every outcome goes back as a tagged tuple (before it, any
    number of ("pages", ...) reports while a reader works through a document's pages)."""
    from harvest_desktop.core.progress import reporting_pages

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from harvest_desktop.core.priority import lower_this_process

    lower_this_process(nice)  # below the window, when the window asked for it (core/priority.py)
    current_limit = None
    pages = _page_sender(conn)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        target, args, mem_mb = msg
        if mem_mb != current_limit:
            _set_memory_limit(mem_mb)
            current_limit = mem_mb
        try:
            with reporting_pages(pages):
                result = _resolve(target)(*args)
            reply = ("ok", result)
        except KnownError as exc:
            reply = ("known", (type(exc).__name__, exc.message, exc.item, exc.hint))
        except MemoryError:
            reply = ("memory", None)
        except RecursionError:
            reply = ("known", ("BadInput", "the document is nested too deeply to read", None, None))
        except Exception as exc:  # a reader bug: report it, keep serving
            reply = ("bug", f"{exc.__class__.__name__}: {exc}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        if reply[0] == "memory":
            return  # the heap may be fragmented past use; let the parent start a fresh worker


def _read_file_job(path: str, limits: HarvestLimits) -> dict[str, Any]:
    from harvest_desktop.acquire.files import read_file

    return read_file(path, limits).to_dict()


# -- parent side ---------------------------------------------------------------------------------
def _context():
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["harvest_desktop.acquire.sandbox"])
        return ctx
    return mp.get_context("spawn")


_start_lock = threading.Lock()


def _start_without_main(proc) -> None:
    """Start a worker without re-running the app's __main__ in it (spawn/forkserver would import it)."""
    import types

    with _start_lock:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


class _Worker:
    def __init__(self, ctx, memory_mb: int) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.conn = parent
        from harvest_desktop.core.priority import background_nice

        # the priority is handed over, not left to the environment: a forkserver started earlier
        # would pass on its own environment, not this process's
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_mb, background_nice()), daemon=True,
                                name="harvest-parser")
        _start_without_main(self.proc)
        child.close()
        self.jobs = 0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError, ValueError):
            pass
        self.proc.join(timeout=5)
        try:
            self.conn.close()
        except OSError:
            pass

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.kill()
        else:
            try:
                self.conn.close()
            except OSError:
                pass


class WorkerPool:
    """At most `size` live workers; a job takes an idle one or starts one, and gives it back."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._ctx = None
        self._idle: list[_Worker] = []
        self._live = 0
        self._cond = threading.Condition()
        self._closed = False

    def _take(self, memory_mb: int) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the parser pool is shut down")
                if self._idle:
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                self._cond.wait()
        try:
            if self._ctx is None:
                self._ctx = _context()
            return _Worker(self._ctx, memory_mb)
        except BaseException:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if healthy and worker.jobs < RECYCLE_AFTER_JOBS and not self._closed:
            with self._cond:
                self._idle.append(worker)
                self._cond.notify()
            return
        if healthy:
            worker.stop()
        else:
            worker.kill()
        with self._cond:
            self._live -= 1
            self._cond.notify()

    def run(self, target: str, args: tuple, *, timeout_s: float, memory_mb: int, item: str,
            cancel: CancelToken = NEVER, pages: PageSink | None = None) -> Any:
        """`pages(done, total, what)` hears the reader's page reports as they arrive."""
        import time

        worker = self._take(memory_mb)
        healthy = False
        end = time.monotonic() + timeout_s
        try:
            worker.jobs += 1
            try:
                worker.conn.send((target, args, memory_mb))
            except (OSError, ValueError, BrokenPipeError):
                raise BadInput("the parser process stopped unexpectedly; try again", item=item) from None
            while True:
                if not _wait_for(worker.conn, end - time.monotonic(), cancel):
                    if cancel.cancelled:  # the worker is killed (not healthy) and the item is not read
                        raise Cancelled()
                    raise LimitExceeded(f"reading took longer than the limit of {timeout_s:g} s "
                                        "(setting: parse timeout)", item=item)
                try:
                    kind, payload = worker.conn.recv()
                except (EOFError, OSError):
                    worker.proc.join(timeout=2)
                    code = worker.proc.exitcode
                    raise BadInput(f"the reader crashed on this file (exit code {code}); the file may be damaged "
                                   f"or need more than the memory limit of {memory_mb} MB (setting: parse memory)",
                                   item=item) from None
                if kind != "pages":
                    break
                if pages is not None:
                    pages(*payload)
            healthy = kind != "memory"
        finally:
            self._give_back(worker, healthy)
        if kind == "ok":
            return payload
        if kind == "known":
            name, message, err_item, hint = payload
            cls = getattr(_errors, name, None)
            if not (isinstance(cls, type) and issubclass(cls, KnownError)):
                cls = BadInput
            raise cls(message, item=err_item or item, hint=hint)
        if kind == "memory":
            raise LimitExceeded(f"reading needed more than the memory limit of {memory_mb} MB "
                                "(setting: parse memory)", item=item)
        raise RuntimeError(f"reader failed on {item}: {payload}")

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
        with self._cond:
            self._live -= len(idle)


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def _pool_size(limits: HarvestLimits) -> int:
    if limits.parse_workers > 0:
        return limits.parse_workers
    return max(2, min(4, os.cpu_count() or 2))


def get_pool(limits: HarvestLimits) -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None or _pool._closed:
            _pool = WorkerPool(_pool_size(limits))
        return _pool


def _wait_for(conn, timeout_s: float, cancel: CancelToken) -> bool:
    """Wait for the worker's answer in short steps so a cancel stops the wait within a quarter second."""
    import time

    end = time.monotonic() + timeout_s
    while True:
        left = end - time.monotonic()
        if left <= 0 or cancel.cancelled:
            return False
        if conn.poll(min(0.25, left)):
            return True


def run_contained(target: str, *args: Any, limits: HarvestLimits, item: str, cancel: CancelToken = NEVER,
                  pages: PageSink | None = None) -> Any:
    """Call module:function(*args) in a contained worker; arguments and result must pickle."""
    return get_pool(limits).run(target, args, timeout_s=limits.parse_timeout_s,
                                memory_mb=limits.parse_memory_mb, item=item, cancel=cancel, pages=pages)


def read_file_contained(path: str | Path, limits: HarvestLimits, cancel: CancelToken = NEVER,
                        pages: PageSink | None = None) -> Document:
    """files.read_file in a contained worker; KnownErrors come back as themselves; a cancel kills the worker;
    `pages(done, total, what)` hears the pages read (PDF) as the worker reads them."""
    data = run_contained("harvest_desktop.acquire.sandbox:_read_file_job", str(path), limits,
                         limits=limits, item=Path(path).name, cancel=cancel, pages=pages)
    return Document.from_dict(data)


def shutdown() -> None:
    """Stop the worker processes; called when the library closes (safe to call repeatedly)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


atexit.register(shutdown)


def _read_bytes_job(name: str, data: bytes, limits: HarvestLimits, kind: str) -> dict[str, Any]:
    from harvest_desktop.acquire.files import read_bytes

    return read_bytes(Path(name), data, limits, kind).to_dict()
