"""Retries with exponential backoff and jitter (honouring Retry-After) and a circuit breaker per provider.

The breaker's state is kept in ai-health.json in the data folder so the CLI (one process per
command) and the window see the same health; it holds provider names and times, nothing secret.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from harvest_desktop.ai.providers.base import ProviderError
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import Cancelled

log = logging.getLogger(__name__)
T = TypeVar("T")

FAILURES_TO_OPEN = 3
OPEN_FOR_S = 60.0
# Failures that say something about the provider's health (a bad request does not).
HEALTH_KINDS = {"rate_limit", "server", "timeout", "unreachable", "dropped"}

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


@dataclass(frozen=True)
class BreakerState:
    provider: str
    state: str
    failures: int
    opens_until: float | None = None

    def describe(self) -> str:
        if self.state == OPEN and self.opens_until:
            wait = max(0, int(self.opens_until - time.time()))
            return f"paused after {self.failures} failures; tried again in {wait} s"
        if self.state == HALF_OPEN:
            return "recovering: the next request is a trial"
        return "healthy" if self.failures == 0 else f"healthy ({self.failures} recent failure(s))"


class Breakers:
    """Circuit breakers for every provider, shared through a small JSON file."""

    _lock = threading.Lock()

    def __init__(self, path: Path | None = None, *, failures_to_open: int = FAILURES_TO_OPEN,
                 open_for_s: float = OPEN_FOR_S, clock: Callable[[], float] = time.time) -> None:
        if path is None:
            from harvest_desktop.core import paths

            path = paths.data_dir() / "ai-health.json"
        self.path = path
        self.failures_to_open = failures_to_open
        self.open_for_s = open_for_s
        self.clock = clock

    def _read(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write(self, data: dict) -> None:
        from harvest_desktop.core.settings import atomic_write_text

        try:
            atomic_write_text(self.path, json.dumps(data))
        except OSError as exc:
            log.warning("could not save provider health: %s", exc)

    def state(self, provider: str) -> BreakerState:
        entry = self._read().get(provider) or {}
        failures = int(entry.get("failures", 0))
        opened = entry.get("opened_at")
        if opened is None:
            return BreakerState(provider, CLOSED, failures)
        until = float(opened) + self.open_for_s
        if self.clock() < until:
            return BreakerState(provider, OPEN, failures, until)
        return BreakerState(provider, HALF_OPEN, failures, until)

    def allows(self, provider: str) -> bool:
        return self.state(provider).state != OPEN

    def success(self, provider: str) -> None:
        with self._lock:
            data = self._read()
            if provider in data:
                data.pop(provider)
                self._write(data)

    def failure(self, provider: str, kind: str) -> None:
        if kind not in HEALTH_KINDS:
            return
        with self._lock:
            data = self._read()
            entry = data.get(provider) or {"failures": 0}
            entry["failures"] = int(entry.get("failures", 0)) + 1
            half_open = entry.get("opened_at") is not None
            if entry["failures"] >= self.failures_to_open or half_open:
                entry["opened_at"] = self.clock()  # a failed trial opens it again
            data[provider] = entry
            self._write(data)

    def reset(self, provider: str | None = None) -> None:
        with self._lock:
            data = {} if provider is None else {k: v for k, v in self._read().items() if k != provider}
            self._write(data)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_s: float = 0.5
    cap_s: float = 20.0
    max_retry_after_s: float = 30.0  # a longer Retry-After moves on to the next route instead

    def delay(self, attempt: int, err: ProviderError, rng: random.Random = random.Random()) -> float | None:
        """Seconds to wait before the next attempt, or None: do not retry this one."""
        if not err.retryable or attempt + 1 >= self.attempts:
            return None
        if err.retry_after is not None:
            if err.retry_after > self.max_retry_after_s:
                return None
            return err.retry_after + rng.uniform(0, 0.25)
        backoff = min(self.cap_s, self.base_s * (2 ** attempt))
        return backoff * rng.uniform(0.5, 1.0)  # "equal jitter": never zero, never the full step


def with_retries(fn: Callable[[], T], provider: str, breakers: Breakers, *, policy: RetryPolicy = RetryPolicy(),
                 cancel: CancelToken = NEVER, sleep: Callable[[float], None] | None = None,
                 on_retry: Callable[[ProviderError, float], None] | None = None) -> T:
    """Call fn; on a retryable ProviderError wait and try again; keep the breaker informed."""
    attempt = 0
    while True:
        cancel.check()
        try:
            result = fn()
        except Cancelled:
            raise
        except ProviderError as err:
            breakers.failure(provider, err.kind)
            wait = policy.delay(attempt, err)
            if wait is None or not breakers.allows(provider):
                raise
            log.info("%s: %s; retrying in %.1f s", provider, err.kind, wait)
            if on_retry is not None:
                on_retry(err, wait)
            _wait(wait, cancel, sleep)
            attempt += 1
            continue
        breakers.success(provider)
        return result


def _wait(seconds: float, cancel: CancelToken, sleep: Callable[[float], None] | None) -> None:
    if sleep is not None:
        sleep(seconds)
        return
    end = time.monotonic() + seconds
    while True:
        cancel.check()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.1, left))
