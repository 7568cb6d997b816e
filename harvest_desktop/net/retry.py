"""Retries with exponential backoff and jitter that honour the server's Retry-After."""

from __future__ import annotations

import asyncio
import random
import time
import typing
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import FetchError

if typing.TYPE_CHECKING:
    import httpx

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, 507, 508, 520, 521, 522, 523, 524})


def retry_after(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass
class RetryPolicy:
    """How often and how long to retry. A Retry-After longer than max_wait_s fails instead of waiting."""

    max_retries: int = 3
    base_s: float = 1.0
    cap_s: float = 30.0
    max_wait_s: float = 60.0
    statuses: frozenset[int] = RETRYABLE_STATUS

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random, so clients do not retry in step."""
        step = min(self.cap_s, self.base_s * (2 ** attempt))
        return step / 2 + (rng or random).uniform(0, step / 2)

    def wait_for(self, attempt: int, headers: typing.Mapping[str, str]) -> float:
        """The wait before retry number attempt+1: the server's Retry-After if it gave one, else backoff."""
        asked = retry_after(headers.get("retry-after"))
        return asked if asked is not None else self.backoff(attempt)


async def sleep(seconds: float, cancel: CancelToken = NEVER) -> None:
    """Sleep in short steps so a cancel is noticed quickly."""
    deadline = time.monotonic() + seconds
    while True:
        cancel.check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.2))


def status_message(status: int) -> str:
    text = _STATUS_TEXT.get(status, "client error" if status < 500 else "server error")
    return f"the server answered HTTP {status} ({text})"


_STATUS_TEXT = {
    400: "bad request", 401: "login required", 403: "access forbidden", 404: "page not found",
    405: "method not allowed", 406: "no acceptable content", 408: "request timeout", 410: "page gone for good",
    429: "too many requests", 451: "unavailable for legal reasons", 500: "server error", 502: "bad gateway",
    503: "service unavailable", 504: "gateway timeout",
}


async def send_with_retries(client: "httpx.AsyncClient", method: str, url: str, *, retry: RetryPolicy | None = None,
                            cancel: CancelToken = NEVER, **kwargs: typing.Any) -> "httpx.Response":
    """One request with retries on 429/5xx and on connection failures; the last answer is returned.

    Network failures and timeouts come back as FetchError naming the host. Refusals by the address
    policy (AddressRefused) are never retried."""
    import httpx

    from harvest_desktop.net.backend import describe

    retry = retry or RetryPolicy()
    timeout_s = kwargs["timeout"] if isinstance(kwargs.get("timeout"), (int, float)) else (
        client.timeout.read or client.timeout.connect)
    attempts = max(0, retry.max_retries) + 1
    for attempt in range(attempts):
        cancel.check()
        try:
            resp = await client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
            if attempt == attempts - 1:
                raise describe(exc, str(client.build_request(method, url).url), timeout_s, None) from None
            await sleep(retry.backoff(attempt), cancel)
            continue
        except httpx.HTTPError as exc:
            raise describe(exc, str(client.build_request(method, url).url), timeout_s, None) from None
        if resp.status_code not in retry.statuses or attempt == attempts - 1:
            return resp
        wait = retry.wait_for(attempt, resp.headers)
        if wait > retry.max_wait_s:
            raise FetchError(f"{status_message(resp.status_code)} and asks to wait {wait:.0f} s, longer than the "
                             f"limit of {retry.max_wait_s:g} s", item=str(resp.url))
        await resp.aclose()
        await sleep(wait, cancel)
    raise AssertionError("unreachable")
