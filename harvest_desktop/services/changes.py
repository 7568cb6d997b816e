"""What a write changed, and the Qt-free bus that announces it (in the spirit of Anki's OpChanges).

Every service write returns a `Changes`; the library publishes it on its `ChangeBus`, and
whoever shows that data (a pane, a test, the sync client) subscribes and refreshes only what
changed, instead of someone refreshing everything by hand after each job.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, fields
from typing import Callable, Iterable

log = logging.getLogger(__name__)

_ID_SETS = ("sources_added", "sources_changed", "sources_removed",
            "outputs_added", "outputs_changed", "outputs_removed")
_FLAGS = ("concepts", "keys", "usage", "sync", "settings")


@dataclass
class Changes:
    """Ids of the sources and outputs a write touched, and flags for the data without ids."""

    sources_added: set[int] = field(default_factory=set)
    sources_changed: set[int] = field(default_factory=set)
    sources_removed: set[int] = field(default_factory=set)
    outputs_added: set[int] = field(default_factory=set)
    outputs_changed: set[int] = field(default_factory=set)
    outputs_removed: set[int] = field(default_factory=set)
    concepts: bool = False
    keys: bool = False
    usage: bool = False
    sync: bool = False
    settings: bool = False

    def __post_init__(self) -> None:
        for name in _ID_SETS:  # accept any iterable of ids, store a set
            value = getattr(self, name)
            if not isinstance(value, set):
                setattr(self, name, set(value))

    def merge(self, other: "Changes") -> "Changes":
        """Both changes in one value (neither operand is modified)."""
        merged = Changes()
        for name in _ID_SETS:
            setattr(merged, name, getattr(self, name) | getattr(other, name))
        for name in _FLAGS:
            setattr(merged, name, getattr(self, name) or getattr(other, name))
        # A source added then removed in one batch is simply gone.
        for kind in ("sources", "outputs"):
            removed = getattr(merged, f"{kind}_removed")
            getattr(merged, f"{kind}_added").difference_update(removed)
            getattr(merged, f"{kind}_changed").difference_update(removed)
        return merged

    __or__ = merge

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def sources(self) -> bool:
        """True if any source was added, changed or removed."""
        return bool(self.sources_added or self.sources_changed or self.sources_removed)

    @property
    def outputs(self) -> bool:
        return bool(self.outputs_added or self.outputs_changed or self.outputs_removed)

    @property
    def source_ids(self) -> set[int]:
        """Sources that exist and whose rows need reloading (added or changed)."""
        return (self.sources_added | self.sources_changed) - self.sources_removed

    @classmethod
    def merge_all(cls, many: Iterable["Changes"]) -> "Changes":
        out = cls()
        for c in many:
            out = out.merge(c)
        return out


Subscriber = Callable[[Changes], None]


class ChangeBus:
    """Synchronous publish/subscribe; publish runs subscribers on the publishing thread.

    Writes happen on worker threads, so a subscriber that touches widgets must hop to its own
    thread (ui/changes.py does that for the window). A failing subscriber is logged and does not
    stop the others or the write that published.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it again."""
        with self._lock:
            if fn not in self._subscribers:
                self._subscribers.append(fn)
        return lambda: self.unsubscribe(fn)

    def unsubscribe(self, fn: Subscriber) -> None:
        with self._lock:
            try:
                self._subscribers.remove(fn)
            except ValueError:
                pass

    def publish(self, changes: Changes) -> Changes:
        """Tell every subscriber (nothing is sent for an empty change); returns `changes`."""
        if not changes:
            return changes
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(changes)
            except Exception:  # one broken view must not undo or hide the write
                log.exception("a change subscriber failed: %r", fn)
        return changes

    def __len__(self) -> int:
        with self._lock:
            return len(self._subscribers)
