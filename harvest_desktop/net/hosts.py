"""Per-host politeness shared by the whole run: request spacing (Crawl-delay), concurrency, robots.txt.

One HostBook lives for the process (default_book()), so reading a section's links and fetching
them later, even from a new harvester or a new event loop, keeps the same spacing and the same
robots.txt answer. A host's turn and its next allowed start live under a thread lock, so they hold
across event loops and threads; concurrency slots are per event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from harvest_desktop.core.cancel import NEVER, CancelToken

ROBOTS_TTL_S = 24 * 3600


@dataclass
class RobotsEntry:
    parser: Any  # urllib.robotparser.RobotFileParser, or None: no robots.txt, everything allowed
    delay: float | None  # the site's Crawl-delay for Harvest, if any
    fetched: float
    refusal: str | None = None  # robots.txt unreadable for server reasons: the host is off-limits for now


@dataclass
class _Host:
    next_start: float = 0.0
    busy: bool = False
    crawl_delay: float | None = None


@dataclass
class _LoopSlots:
    all_slots: asyncio.Semaphore | None = None
    per_host: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=dict)


class HostBook:
    """Spacing, slots and robots.txt answers per origin (scheme://host:port)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, RobotsEntry] = {}
        self._loops: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopSlots]" = weakref.WeakKeyDictionary()

    # -- spacing ---------------------------------------------------------------------------
    def delay_for(self, origin: str, min_delay_s: float) -> float:
        with self._lock:
            host = self._hosts.get(origin)
            crawl = host.crawl_delay if host else None
        return max(min_delay_s, crawl or 0.0)

    @contextlib.asynccontextmanager
    async def turn(self, origin: str, min_delay_s: float, cancel: CancelToken = NEVER) -> AsyncIterator[None]:
        """Hold origin's turn: one polite request at a time per host, and the min delay (or the site's
        Crawl-delay, if longer) between the end of one and the start of the next, across loops and
        threads."""
        while True:
            cancel.check()
            with self._lock:
                host = self._hosts.setdefault(origin, _Host())
                now = time.monotonic()
                if not host.busy and now >= host.next_start:
                    host.busy = True
                    break
                left = 0.05 if host.busy else host.next_start - now
            await asyncio.sleep(min(max(left, 0.005), 0.2))
        try:
            yield
        finally:
            delay = self.delay_for(origin, min_delay_s)
            with self._lock:
                host.busy = False
                host.next_start = time.monotonic() + delay

    def set_crawl_delay(self, origin: str, delay: float | None) -> None:
        with self._lock:
            self._hosts.setdefault(origin, _Host()).crawl_delay = delay

    # -- robots.txt ------------------------------------------------------------------------
    def robots(self, origin: str) -> RobotsEntry | None:
        with self._lock:
            entry = self._robots.get(origin)
        if entry is not None and time.monotonic() - entry.fetched < ROBOTS_TTL_S:
            return entry
        return None

    def set_robots(self, origin: str, entry: RobotsEntry) -> None:
        with self._lock:
            self._robots[origin] = entry
        self.set_crawl_delay(origin, entry.delay)

    # -- per-loop slots --------------------------------------------------------------------
    def _slots(self) -> _LoopSlots:
        loop = asyncio.get_running_loop()
        with self._lock:
            slots = self._loops.get(loop)
            if slots is None:
                slots = self._loops[loop] = _LoopSlots()
        return slots

    def host_slot(self, origin: str, per_host: int) -> asyncio.Semaphore:
        return self._slots().per_host.setdefault(origin, asyncio.Semaphore(max(1, per_host)))

    def all_slot(self, concurrency: int) -> asyncio.Semaphore:
        slots = self._slots()
        if slots.all_slots is None:
            slots.all_slots = asyncio.Semaphore(max(1, concurrency))
        return slots.all_slots

    def robots_lock(self, origin: str) -> asyncio.Lock:
        return self._slots().robots_locks.setdefault(origin, asyncio.Lock())


_DEFAULT = HostBook()


def default_book() -> HostBook:
    """The process's one HostBook."""
    return _DEFAULT
