"""Backoff with jitter honouring Retry-After, and the per-provider circuit breaker."""

from __future__ import annotations

import random

import pytest

from harvest_desktop.ai.providers.base import ProviderError
from harvest_desktop.ai.resilience import CLOSED, HALF_OPEN, OPEN, Breakers, RetryPolicy, with_retries


def test_backoff_grows_with_jitter_and_honours_retry_after():
    policy = RetryPolicy(attempts=5, base_s=1.0, cap_s=8.0)
    rng = random.Random(7)
    err = ProviderError("openai", "server", "boom")
    waits = [policy.delay(i, err, rng) for i in range(4)]
    for i, w in enumerate(waits):
        step = min(8.0, 2 ** i)
        assert step * 0.5 <= w <= step
    assert policy.delay(4, err, rng) is None  # attempts used up
    limited = ProviderError("openai", "rate_limit", "slow down", retry_after=3.0)
    assert 3.0 <= policy.delay(0, limited, rng) <= 3.25
    too_long = ProviderError("openai", "rate_limit", "slow down", retry_after=600.0)
    assert policy.delay(0, too_long, rng) is None  # move on to the next route instead
    assert policy.delay(0, ProviderError("openai", "auth", "bad key"), rng) is None


def test_breaker_opens_half_opens_and_closes(tmp_path):
    now = [1000.0]
    b = Breakers(tmp_path / "health.json", failures_to_open=3, open_for_s=60, clock=lambda: now[0])
    for _ in range(2):
        b.failure("openai", "server")
    assert b.state("openai").state == CLOSED and b.allows("openai")
    b.failure("openai", "timeout")
    assert b.state("openai").state == OPEN and not b.allows("openai")
    assert "paused after 3 failures" in b.state("openai").describe()
    now[0] += 61
    assert b.state("openai").state == HALF_OPEN and b.allows("openai")
    b.failure("openai", "server")  # the trial failed: open again
    assert b.state("openai").state == OPEN
    now[0] += 61
    b.success("openai")
    assert b.state("openai").state == CLOSED and b.state("openai").failures == 0
    b.failure("anthropic", "auth")  # a bad key says nothing about the provider's health
    assert b.state("anthropic").failures == 0
    # Another process (the CLI, the window) sees the same state through the file.
    b.failure("gemini", "server"), b.failure("gemini", "server"), b.failure("gemini", "server")
    assert not Breakers(tmp_path / "health.json", clock=lambda: now[0]).allows("gemini")


def test_with_retries_waits_as_told_then_succeeds(tmp_path):
    b = Breakers(tmp_path / "h.json", failures_to_open=10)
    calls, waits = [], []
    errors = [ProviderError("openai", "rate_limit", "slow", retry_after=2.0), ProviderError("openai", "server", "x")]

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    assert with_retries(fn, "openai", b, policy=RetryPolicy(attempts=3), sleep=waits.append) == "ok"
    assert len(calls) == 3 and 2.0 <= waits[0] <= 2.25 and 0 < waits[1] <= 1.0
    assert b.state("openai").failures == 0  # success closes it


def test_with_retries_gives_up_on_a_bad_key_at_once(tmp_path):
    b = Breakers(tmp_path / "h.json")
    calls = []

    def fn():
        calls.append(1)
        raise ProviderError("openai", "auth", "the key was refused")

    with pytest.raises(ProviderError, match="the key was refused"):
        with_retries(fn, "openai", b, sleep=lambda s: None)
    assert len(calls) == 1
