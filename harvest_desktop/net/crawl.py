"""Polite GETs for pages: robots.txt and its Crawl-delay, per-host spacing and slots, redirects
followed by hand (each hop checked on its own, never inheriting the first address's permission),
retries honouring Retry-After, a size cap and a deadline."""

from __future__ import annotations

import asyncio
import re
import time
import typing
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import AddressRefused, BadInput, FetchError, KnownError, LimitExceeded, RobotsRefused
from harvest_desktop.net.hosts import HostBook, RobotsEntry, default_book
from harvest_desktop.net.policy import AddressPolicy, host_port, origin_of, person_named, strip_userinfo
from harvest_desktop.net.retry import RETRYABLE_STATUS, RetryPolicy, sleep, status_message

if typing.TYPE_CHECKING:
    from harvest_desktop.core.settings import Settings

ROBOTS_TOKEN = "Harvest"
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"


@dataclass
class CrawlLimits:
    timeout_s: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    max_retries: int = 3
    max_retry_wait_s: float = 60.0
    min_delay_s: float = 1.0
    concurrency: int = 8
    per_host_concurrency: int = 2
    retry_base_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: "Settings") -> "CrawlLimits":
        lim, web = settings.limits, settings.web
        return cls(timeout_s=lim.fetch_timeout_s, max_bytes=lim.max_download_bytes, max_redirects=lim.max_redirects,
                   max_retries=lim.max_retries, max_retry_wait_s=lim.max_retry_wait_s,
                   min_delay_s=web.min_delay_per_host_s, concurrency=web.concurrency,
                   per_host_concurrency=web.per_host_concurrency)


@dataclass
class Fetched:
    url: str  # what was asked for (without a login)
    final_url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        m = re.search(r"charset=([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        return m.group(1).strip("\"'") if m else None


def check_scheme(url: str, *, item: str) -> None:
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        raise BadInput("the address is not a valid URL", item=item) from None
    if scheme not in ("http", "https"):
        raise BadInput(f"'{scheme or 'no scheme'}' addresses are not fetched; only http and https are", item=item)


def crawl_delay(robots_txt: str, token: str = ROBOTS_TOKEN) -> float | None:
    """The Crawl-delay of the group for token (else of '*'), decimals allowed (the standard library
    reads whole seconds only and drops '1.5')."""
    groups: list[tuple[list[str], float | None]] = []
    agents: list[str] = []
    delay: float | None = None
    in_agents = False
    for raw in robots_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (p.strip() for p in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if not in_agents and agents:
                groups.append((agents, delay))
                agents, delay = [], None
            agents.append(value.lower())
            in_agents = True
            continue
        in_agents = False
        if key == "crawl-delay" and agents:
            try:
                value_f = float(value)
            except ValueError:
                continue
            if value_f >= 0 and value_f == value_f and value_f != float("inf"):
                delay = value_f
    if agents:
        groups.append((agents, delay))
    token = token.lower()
    for names, d in groups:
        if any(n != "*" and n in token for n in names if n):  # as urllib.robotparser matches
            return d
    for names, d in groups:
        if "*" in names:
            return d
    return None


def _size_message(size: int, cap: int, partial: bool = False) -> str:
    mb = 1024 * 1024
    what = "more than " if partial else ""
    return (f"the download is {what}{size / mb:,.1f} MB, over the limit of {cap / mb:,.0f} MB "
            "(setting: max download bytes)")


class PoliteFetcher:
    """GET pages the polite way; one per harvester, state per host shared through a HostBook."""

    def __init__(self, limits: CrawlLimits, *, contact: str = "", policy: AddressPolicy | None = None,
                 hosts: HostBook | None = None, inner_backend: typing.Any = None) -> None:
        self.limits = limits
        self.contact = contact
        self.policy = policy or AddressPolicy(lookup_timeout_s=limits.timeout_s)
        self.hosts = hosts or default_book()
        self.inner_backend = inner_backend
        self._client: typing.Any = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    # -- public ------------------------------------------------------------------------------
    async def get(self, url: str, cancel: CancelToken = NEVER, *, named: bool, item: str | None = None) -> Fetched:
        """GET url following redirects by hand. named: the person typed or dropped this very URL, so
        its exact host:port may be private (never any other hop's)."""
        url = strip_userinfo(url.strip())[0]
        item = strip_userinfo(item)[0] if item else url
        check_scheme(url, item=item)
        grants = [host_port(url)] if named else []
        with person_named(*grants):
            return await self._follow(url, cancel, item)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.aclose()
            except RuntimeError:  # its loop is gone already
                pass

    # -- redirects, robots --------------------------------------------------------------------
    async def _follow(self, url: str, cancel: CancelToken, item: str) -> Fetched:
        current = url
        visited: list[str] = []
        for hop in range(self.limits.max_redirects + 1):
            cancel.check()
            check_scheme(current, item=item)
            try:
                self.policy.check_name(*host_port(current))
                await self._obey_robots(current, cancel, item)
                fetched = await self._get_with_retries(current, cancel, item=item)
            except AddressRefused as exc:
                where = f"redirect target {current}: " if hop else ""
                raise AddressRefused(where + exc.message, item=item, hint=exc.hint) from None
            location = fetched.headers.get("location")
            if fetched.status in REDIRECTS and location:
                nxt = strip_userinfo(urldefrag(urljoin(current, location.strip()))[0])[0]
                visited.append(current)
                if nxt in visited:
                    raise FetchError(f"the server redirects in a loop ({' -> '.join(visited + [nxt])})", item=item)
                current = nxt
                continue
            fetched.url = url
            return fetched
        raise FetchError(f"more than {self.limits.max_redirects} redirects (setting: max redirects); "
                         f"last address was {current}", item=item)

    async def _obey_robots(self, url: str, cancel: CancelToken, item: str) -> None:
        robots = await self.robots_for(url, cancel, item)
        host = urlsplit(url).hostname or ""
        if robots.refusal:
            raise RobotsRefused(robots.refusal, item=item)
        if robots.parser is not None and not robots.parser.can_fetch(ROBOTS_TOKEN, url):
            raise RobotsRefused(f"robots.txt on {host} does not allow Harvest to fetch {url}", item=item,
                                hint="Harvest obeys robots.txt; if you may read the page, save it from your "
                                     "browser and add the file instead")

    async def robots_for(self, url: str, cancel: CancelToken = NEVER, item: str | None = None) -> RobotsEntry:
        """robots.txt of url's origin, read once per run (and per day) for the whole process."""
        origin = origin_of(url)
        cached = self.hosts.robots(origin)
        if cached is not None:
            return cached
        async with self.hosts.robots_lock(origin):
            cached = self.hosts.robots(origin)
            if cached is not None:
                return cached
            entry = await self._load_robots(origin, cancel, item or url)
            self.hosts.set_robots(origin, entry)
            return entry

    async def _load_robots(self, origin: str, cancel: CancelToken, item: str) -> RobotsEntry:
        robots_url = origin + "/robots.txt"
        current = robots_url
        for _ in range(5):  # RFC 9309: follow at least five redirects
            check_scheme(current, item=item)
            self.policy.check_name(*host_port(current))
            try:
                fetched = await self._get_with_retries(current, cancel, item=item, max_bytes=ROBOTS_MAX_BYTES,
                                                       polite=False, truncate=True, return_last=True)
            except LimitExceeded:
                return RobotsEntry(None, None, time.monotonic())
            location = fetched.headers.get("location")
            if fetched.status in REDIRECTS and location:
                current = strip_userinfo(urldefrag(urljoin(current, location))[0])[0]
                continue
            break
        else:
            return RobotsEntry(None, None, time.monotonic())
        if 400 <= fetched.status < 500:
            return RobotsEntry(None, None, time.monotonic())  # no robots.txt: everything allowed
        if fetched.status >= 500:
            return RobotsEntry(None, None, time.monotonic(),
                               refusal=f"robots.txt on {urlsplit(origin).hostname} could not be read (HTTP "
                                       f"{fetched.status}), so the site is treated as off-limits for now; try later")
        parser = RobotFileParser(robots_url)
        text = fetched.body.decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
        return RobotsEntry(parser, crawl_delay(text, ROBOTS_TOKEN), time.monotonic())

    # -- requests ----------------------------------------------------------------------------
    def client(self) -> typing.Any:
        """The httpx client for the running loop (made through net's factory, policy installed)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            from harvest_desktop.net.client import make_async_client

            self._client = make_async_client(
                "web", policy=self.policy, timeout=self.limits.timeout_s, contact=self.contact,
                headers={"Accept": PAGE_ACCEPT}, max_connections=max(1, self.limits.concurrency),
                inner_backend=self.inner_backend)
            self._client_loop = loop
        return self._client

    async def _get_with_retries(self, url: str, cancel: CancelToken, *, item: str, max_bytes: int | None = None,
                                polite: bool = True, truncate: bool = False, return_last: bool = False) -> Fetched:
        lim = self.limits
        origin = origin_of(url)
        retry = RetryPolicy(max_retries=lim.max_retries, base_s=lim.retry_base_s, max_wait_s=lim.max_retry_wait_s)
        host_slot = self.hosts.host_slot(origin, lim.per_host_concurrency)
        all_slot = self.hosts.all_slot(lim.concurrency)
        attempts = max(0, lim.max_retries) + 1
        for attempt in range(attempts):
            cancel.check()
            async with host_slot, all_slot:
                if polite:
                    async with self.hosts.turn(origin, lim.min_delay_s, cancel):
                        fetched = await self._get_once(url, item=item, max_bytes=max_bytes or lim.max_bytes,
                                                       truncate=truncate)
                else:
                    fetched = await self._get_once(url, item=item, max_bytes=max_bytes or lim.max_bytes,
                                                   truncate=truncate)
            if fetched.status not in RETRYABLE_STATUS:
                return fetched
            if attempt == attempts - 1:
                if return_last:
                    return fetched
                raise FetchError(f"{status_message(fetched.status)}; gave up after {attempts} tries "
                                 "(setting: max retries)", item=item)
            wait = retry.wait_for(attempt, fetched.headers)
            if wait > lim.max_retry_wait_s:
                raise FetchError(f"{status_message(fetched.status)} and asks to wait {wait:.0f} s, longer than "
                                 f"the limit of {lim.max_retry_wait_s:g} s (setting: max retry wait)", item=item)
            await sleep(wait, cancel)
        raise AssertionError("unreachable")

    async def _get_once(self, url: str, *, item: str, max_bytes: int, truncate: bool) -> Fetched:
        import httpx

        from harvest_desktop.net.backend import describe

        client = self.client()
        timeout_s = self.limits.timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                async with client.stream("GET", url) as resp:
                    headers = {k.lower(): v for k, v in resp.headers.items()}
                    status = resp.status_code
                    if status in REDIRECTS or status >= 400:
                        return Fetched(url, str(resp.url), status, headers, b"")
                    declared = headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes and not truncate:
                        raise LimitExceeded(_size_message(int(declared), max_bytes), item=item)
                    chunks: list[bytes] = []
                    total = 0
                    async for chunk in resp.aiter_bytes():
                        total += len(chunk)
                        if total > max_bytes:
                            if truncate:
                                chunks.append(chunk[: max(0, max_bytes - (total - len(chunk)))])
                                break
                            raise LimitExceeded(_size_message(total, max_bytes, partial=True), item=item)
                        chunks.append(chunk)
                    return Fetched(url, str(resp.url), status, headers, b"".join(chunks))
        except KnownError as exc:
            if exc.item is None:
                exc.item = item
            raise
        except (TimeoutError, asyncio.TimeoutError, httpx.TimeoutException) as exc:
            err = describe(exc, url, timeout_s)
            raise FetchError(err.message, item=item, hint=err.hint) from None
        except (httpx.HTTPError, OSError) as exc:
            err = describe(exc, url)
            raise FetchError(err.message, item=item, hint=err.hint) from None
