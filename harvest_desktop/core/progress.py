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
