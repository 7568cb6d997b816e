"""Cooperative cancellation shared by every stage; thread-safe."""

from __future__ import annotations

import threading

from harvest_desktop.core.errors import Cancelled


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled if cancel() was called; stages call this between units of work."""
        if self._event.is_set():
            raise Cancelled()


NEVER = CancelToken()
