"""Polite web acquisition: our own httpx client, robots.txt, rate limits, address checks, extraction.

Every request goes through one path: check the scheme and the resolved address (cloud metadata
always refused; private, loopback and link-local only with the person's say), obey robots.txt
and its Crawl-delay, wait for the host's rate limit and concurrency slot, fetch with
certificates verified, a deadline and a size cap, follow redirects by hand (each hop checked the
same way), retry 429/5xx with backoff honouring Retry-After. Parsing the body runs contained.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from harvest_desktop import __version__
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.core.errors import (AddressRefused, BadInput, FetchError, KnownError, LimitExceeded,
                                         RobotsRefused, UnsupportedFormat)
from harvest_desktop.core.settings import Settings

USER_AGENT = f"Harvest/{__version__} (+https://harvest.invalid/bot; desktop study tool)"
ROBOTS_TOKEN = "Harvest"
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_S = 24 * 3600

# Cloud instance metadata endpoints: never fetched, whatever anyone says.
METADATA_HOSTS = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.packet.net", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2",  # AWS ECS task metadata
    "169.254.169.253", "169.254.169.123",  # AWS DNS / time
    "fd00:ec2::254", "fd00:ec2::253", "fd00:ec2::23",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
    "168.63.129.16",  # Azure wire server
))
_REDIRECTS = {301, 302, 303, 307, 308}
_RETRYABLE = {429, 500, 502, 503, 504, 507, 508, 520, 521, 522, 523, 524}
_URL_IN_TEXT = re.compile(r"""https?://[^\s<>"'`]+""", re.I)
_TRAILING = ".,;:!?'\"»›>"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
              "text/csv": "csv"}


# -- URL text helpers ------------------------------------------------------------------------------
def is_url(text: str) -> bool:
    """True for an http(s) URL with a host."""
    text = text.strip()
    if not text.lower().startswith(("http://", "https://")) or any(c.isspace() for c in text):
        return False
    try:
        return bool(urlsplit(text).hostname)
    except ValueError:
        return False


def _trim(url: str) -> str:
    url = url.rstrip(_TRAILING)
    for open_, close in (("(", ")"), ("[", "]"), ("{", "}")):
        while url.endswith(close) and url.count(close) > url.count(open_):
            url = url[:-1].rstrip(_TRAILING)
    return url


def urls_from_text(text: str) -> list[str]:
    """http(s) URLs from dropped, pasted or listed text, in order, without repeats.

    text/uri-list rules: one URI per line, lines starting with '#' are comments. Plain text
    (a sentence with links in it) is scanned for URLs too.
    """
    found: list[str] = []
    seen: set[str] = set()
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        candidates = [stripped] if is_url(stripped) else [_trim(m.group(0)) for m in _URL_IN_TEXT.finditer(stripped)]
        for url in candidates:
            if is_url(url) and url not in seen:
                seen.add(url)
                found.append(url)
    return found


def is_url_list_text(text: str) -> bool:
    """True when every non-comment line is a URL (a file that just lists URLs)."""
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    return bool(lines) and all(is_url(l) for l in lines)


def read_url_list(path: str | Path, max_bytes: int = 5 * 1024 * 1024) -> list[str]:
    """URLs listed in a file (one per line, '#' comments allowed)."""
    from harvest_desktop.acquire.text import decode_bytes

    path = Path(path)
    with path.open("rb") as fh:
        data = fh.read(max_bytes)
    return urls_from_text(decode_bytes(data, path.name))


# -- addresses -------------------------------------------------------------------------------------
def classify_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """'metadata', 'private' (loopback, private, link-local, reserved...) or 'public'."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global):
        return "private"
    return "public"


@dataclass
class _Fetched:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        m = re.search(r"charset=([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        return m.group(1).strip("\"'") if m else None


@dataclass
class _Robots:
    parser: RobotFileParser | None  # None: no robots.txt, everything allowed
    delay: float
    fetched: float
    refusal: str | None = None  # robots.txt unreadable for server reasons: refuse the host


@dataclass
class _LoopState:
    loop: asyncio.AbstractEventLoop
    client: object
    all_slots: asyncio.Semaphore
    host_slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    host_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    robots_locks: dict[str, asyncio.Lock] = field(default_factory=dict)


class WebHarvester:
    """Fetch pages politely and turn them into Documents with attribution."""

    retry_base_s = 1.0  # first backoff step when the server gives no Retry-After

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._state: _LoopState | None = None
        self._robots: dict[str, _Robots] = {}
        self._next_slot: dict[str, float] = {}  # host -> monotonic time of its next allowed request

    @property
    def user_agent(self) -> str:
        contact = self.settings.web.user_agent_contact.strip()
        return f"{USER_AGENT[:-1]}; {contact})" if contact else USER_AGENT

    # -- public ------------------------------------------------------------------------------
    async def fetch_document(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True) -> Document:
        """Fetch one URL and extract its main text; attribution is filled in doc.attribution."""
        doc, _ = await self._fetch_and_read(url, cancel, private_ok=self._private_ok(user_given), want_links=False)
        return doc

    async def section_links(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True) -> list[str]:
        """Links one level down from a page, on the same site (scheme, host and port), capped in number."""
        _, links = await self._fetch_and_read(url, cancel, private_ok=self._private_ok(user_given), want_links=True)
        return links

    async def harvest_section(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True
                              ) -> list[tuple[str, Document | KnownError]]:
        """The page and the same-site pages it links to, each under robots.txt and the rate limits.

        Followed links share the consent given for the first page: they stay on its site, so a
        local docs server the person named can be harvested as a section.
        """
        private_ok = self._private_ok(user_given)
        first, links = await self._fetch_and_read(url, cancel, private_ok=private_ok, want_links=True)
        results: list[tuple[str, Document | KnownError]] = [(url, first)]

        async def one(link: str) -> tuple[str, Document | KnownError]:
            try:
                doc, _ = await self._fetch_and_read(link, cancel, private_ok=private_ok, want_links=False)
                return link, doc
            except KnownError as exc:
                return link, exc

        results.extend(await asyncio.gather(*(one(link) for link in links)))
        cancel.check()
        return results

    async def aclose(self) -> None:
        state, self._state = self._state, None
        if state is not None:
            try:
                await state.client.aclose()  # type: ignore[attr-defined]
            except RuntimeError:  # its loop is gone already
                pass

    # -- the pipeline ------------------------------------------------------------------------
    def _private_ok(self, user_given: bool) -> bool:
        return bool(user_given and self.settings.web.allow_private_addresses)

    async def _fetch_and_read(self, url: str, cancel: CancelToken, *, private_ok: bool, want_links: bool
                              ) -> tuple[Document, list[str]]:
        url = url.strip()
        fetched = await self._fetch(url, cancel, private_ok=private_ok)
        cancel.check()
        if fetched.status >= 400:
            raise FetchError(_status_message(fetched.status), item=url)
        doc, links = await self._read(fetched, want_links)
        cancel.check()
        a = doc.attribution
        a.location = url
        a.final_url = fetched.final_url
        a.fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        a.site = a.site or urlsplit(fetched.final_url).hostname
        if want_links:
            origin = _origin(fetched.final_url)
            links = [l for l in links if _origin(l) == origin and l != fetched.final_url and l != url]
            links = links[: max(0, self.settings.web.max_section_links)]
        return doc, links

    async def _read(self, fetched: _Fetched, want_links: bool) -> tuple[Document, list[str]]:
        from harvest_desktop.acquire.sandbox import run_contained

        limits = self.settings.limits
        url, body, ctype = fetched.url, fetched.body, fetched.content_type
        if not body.strip():
            raise BadInput("the server sent an empty page", item=url)
        head = body[:1024].lstrip().lower()
        name = PurePosixPath(unquote(urlsplit(fetched.final_url).path)).name or (urlsplit(url).hostname or "page")
        if ctype == "application/pdf" or head.startswith(b"%pdf"):
            kind, mime = "pdf", "application/pdf"
        elif ctype in HTML_TYPES or (not ctype or ctype == "application/octet-stream") and (
                head.startswith((b"<!doctype html", b"<html")) or b"<body" in head):
            kind, mime = "html", ctype or "text/html"
        elif ctype in TEXT_TYPES:
            kind, mime = TEXT_TYPES[ctype], ctype
        else:
            raise UnsupportedFormat(f"the server sent '{ctype or 'unknown'}' content, which Harvest does not read",
                                    item=url, hint="Harvest reads web pages (HTML), PDF and plain text from the web")
        if kind == "html":
            result = await asyncio.to_thread(run_contained, "harvest_desktop.acquire.html:read_html_page", body,
                                             fetched.final_url, fetched.charset, limits, want_links,
                                             limits=limits, item=url)
            doc = Document.from_dict(result["doc"])
            links = result["links"]
        else:
            data = await asyncio.to_thread(run_contained, "harvest_desktop.acquire.sandbox:_read_bytes_job", name,
                                           body, limits, kind, limits=limits, item=url)
            doc = Document.from_dict(data)
            links = []
        doc.attribution.mime = mime
        return doc, links

    async def _fetch(self, url: str, cancel: CancelToken, *, private_ok: bool) -> _Fetched:
        """GET with redirects followed by hand: every hop is checked for scheme, address and robots."""
        limits = self.settings.limits
        current = url
        visited: list[str] = []
        origin_private = False
        for hop in range(limits.max_redirects + 1):
            cancel.check()
            _check_scheme(current, item=url)
            hop_private_ok = private_ok if hop == 0 else (private_ok and origin_private)
            is_private = await self._check_address(current, hop_private_ok, item=url, redirected=hop > 0)
            if hop == 0:
                origin_private = is_private
            await self._obey_robots(current, cancel, hop_private_ok, item=url)
            fetched = await self._get_with_retries(current, cancel, item=url)
            location = fetched.headers.get("location")
            if fetched.status in _REDIRECTS and location:
                nxt = urldefrag(urljoin(current, location.strip()))[0]
                visited.append(current)
                if nxt in visited:
                    raise FetchError(f"the server redirects in a loop ({' -> '.join(visited + [nxt])})", item=url)
                current = nxt
                continue
            fetched.url = url
            return fetched
        raise FetchError(f"more than {limits.max_redirects} redirects (setting: max redirects); "
                         f"last address was {current}", item=url)

    async def _check_address(self, url: str, private_ok: bool, *, item: str, redirected: bool = False) -> bool:
        """Refuse metadata addresses always, private ones without consent; True if the host is private."""
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise BadInput("the address has no host name", item=item)
        where = f"redirect target {url}" if redirected else "this address"
        if host in METADATA_HOSTS or host.endswith(".metadata.google.internal"):
            raise AddressRefused(f"{where} is a cloud metadata service ({host}), which Harvest never fetches",
                                 item=item)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await self._resolve(host, parts.port or (443 if parts.scheme == "https" else 80), item)
        private = False
        for ip in addresses:
            kind = classify_address(ip)
            if kind == "metadata":
                raise AddressRefused(f"{where} resolves to a cloud metadata address ({ip}), which Harvest never "
                                     "fetches", item=item)
            if kind == "private":
                private = True
                if not private_ok:
                    how = ("a redirect from a public site may not lead into your own machine or network"
                           if redirected else
                           "only addresses you type or drop yourself may point there, and only while the "
                           "setting web.allow_private_addresses is on")
                    raise AddressRefused(f"{where} resolves to a private, loopback or link-local address ({ip})",
                                         item=item, hint=how)
        return private

    async def _resolve(self, host: str, port: int, item: str) -> list:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                                           timeout=self.settings.limits.fetch_timeout_s)
        except (socket.gaierror, UnicodeError):
            raise FetchError(f"the host name '{host}' could not be found (DNS lookup failed)", item=item,
                             hint="check the spelling and your internet connection") from None
        except (asyncio.TimeoutError, TimeoutError):
            raise FetchError(f"looking up '{host}' took longer than {self.settings.limits.fetch_timeout_s:g} s "
                             "(setting: fetch timeout)", item=item) from None
        out = []
        for info in infos:
            try:
                out.append(ipaddress.ip_address(info[4][0].split("%")[0]))
            except ValueError:
                continue
        if not out:
            raise FetchError(f"the host name '{host}' has no usable address", item=item)
        return out

    # -- robots.txt --------------------------------------------------------------------------
    async def _obey_robots(self, url: str, cancel: CancelToken, private_ok: bool, *, item: str) -> None:
        robots = await self._robots_for(url, cancel, private_ok, item)
        host = urlsplit(url).hostname or ""
        if robots.refusal:
            raise RobotsRefused(robots.refusal, item=item)
        if robots.parser is not None and not robots.parser.can_fetch(ROBOTS_TOKEN, url):
            raise RobotsRefused(f"robots.txt on {host} does not allow Harvest to fetch {url}", item=item,
                                hint="Harvest obeys robots.txt; if you may read the page, save it from your "
                                     "browser and add the file instead")

    async def _robots_for(self, url: str, cancel: CancelToken, private_ok: bool, item: str) -> _Robots:
        origin = _origin(url)
        cached = self._robots.get(origin)
        if cached is not None and time.monotonic() - cached.fetched < ROBOTS_TTL_S:
            return cached
        state = self._loop_state()
        lock = state.robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached is not None and time.monotonic() - cached.fetched < ROBOTS_TTL_S:
                return cached
            robots = await self._load_robots(origin, cancel, private_ok, item)
            self._robots[origin] = robots
            return robots

    async def _load_robots(self, origin: str, cancel: CancelToken, private_ok: bool, item: str) -> _Robots:
        base_delay = self.settings.web.min_delay_per_host_s
        robots_url = origin + "/robots.txt"
        current = robots_url
        for _ in range(5):  # RFC 9309: follow at least five redirects
            await self._check_address(current, private_ok, item=item, redirected=current != robots_url)
            try:
                fetched = await self._get_with_retries(current, cancel, item=item, max_bytes=ROBOTS_MAX_BYTES,
                                                       polite=False, truncate=True, return_last=True)
            except LimitExceeded:
                return _Robots(None, base_delay, time.monotonic())
            location = fetched.headers.get("location")
            if fetched.status in _REDIRECTS and location:
                current = urldefrag(urljoin(current, location))[0]
                continue
            break
        else:
            return _Robots(None, base_delay, time.monotonic())
        if 400 <= fetched.status < 500:
            return _Robots(None, base_delay, time.monotonic())  # no robots.txt: everything allowed
        if fetched.status >= 500:
            return _Robots(None, base_delay, time.monotonic(),
                           refusal=f"robots.txt on {urlsplit(origin).hostname} could not be read (HTTP "
                                   f"{fetched.status}), so the site is treated as off-limits for now; try later")
        parser = RobotFileParser(robots_url)
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        delay = base_delay
        try:
            crawl_delay = parser.crawl_delay(ROBOTS_TOKEN)
        except (ValueError, TypeError):
            crawl_delay = None
        if crawl_delay:
            delay = max(delay, float(crawl_delay))
        return _Robots(parser, delay, time.monotonic())

    # -- requests ----------------------------------------------------------------------------
    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        if self._state is None or self._state.loop is not loop:
            import httpx

            limits = self.settings.limits
            try:
                import h2  # noqa: F401  (HTTP/2 where the server offers it)

                http2 = True
            except ImportError:
                http2 = False
            client = httpx.AsyncClient(
                headers={"User-Agent": self.user_agent,
                         "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
                follow_redirects=False, verify=True, http2=http2, trust_env=False,
                timeout=httpx.Timeout(limits.fetch_timeout_s),
                limits=httpx.Limits(max_connections=max(1, self.settings.web.concurrency)))
            self._state = _LoopState(loop, client, asyncio.Semaphore(max(1, self.settings.web.concurrency)))
        return self._state

    def _host_delay(self, url: str) -> float:
        robots = self._robots.get(_origin(url))
        return robots.delay if robots else self.settings.web.min_delay_per_host_s

    async def _polite_wait(self, host: str, delay: float, cancel: CancelToken) -> None:
        state = self._loop_state()
        lock = state.host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._next_slot.get(host, 0.0) - time.monotonic()
            if wait > 0:
                await _sleep(wait, cancel)
            self._next_slot[host] = time.monotonic() + delay

    async def _get_with_retries(self, url: str, cancel: CancelToken, *, item: str, max_bytes: int | None = None,
                                polite: bool = True, truncate: bool = False, return_last: bool = False
                                ) -> _Fetched:
        limits = self.settings.limits
        state = self._loop_state()
        host = urlsplit(url).netloc.lower()
        host_slots = state.host_slots.setdefault(host, asyncio.Semaphore(max(1, self.settings.web.per_host_concurrency)))
        attempts = max(0, limits.max_retries) + 1
        for attempt in range(attempts):
            cancel.check()
            async with host_slots, state.all_slots:
                if polite:
                    await self._polite_wait(host, self._host_delay(url), cancel)
                fetched = await self._get_once(url, item=item, max_bytes=max_bytes or limits.max_download_bytes,
                                               truncate=truncate)
            if fetched.status not in _RETRYABLE:
                return fetched
            if attempt == attempts - 1:
                if return_last:
                    return fetched
                raise FetchError(f"{_status_message(fetched.status)}; gave up after {attempts} tries "
                                 "(setting: max retries)", item=item)
            wait = _retry_after(fetched.headers.get("retry-after"))
            if wait is None:
                wait = self.retry_base_s * (2 ** attempt)
            if wait > limits.max_retry_wait_s:
                raise FetchError(f"{_status_message(fetched.status)} and asks to wait {wait:.0f} s, longer than "
                                 f"the limit of {limits.max_retry_wait_s:g} s (setting: max retry wait)", item=item)
            await _sleep(wait, cancel)
        raise AssertionError("unreachable")

    async def _get_once(self, url: str, *, item: str, max_bytes: int, truncate: bool) -> _Fetched:
        import httpx

        client = self._loop_state().client
        timeout_s = self.settings.limits.fetch_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                async with client.stream("GET", url) as resp:  # type: ignore[attr-defined]
                    headers = {k.lower(): v for k, v in resp.headers.items()}
                    status = resp.status_code
                    if status in _REDIRECTS or status >= 400:
                        return _Fetched(url, str(resp.url), status, headers, b"")
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
                    return _Fetched(url, str(resp.url), status, headers, b"".join(chunks))
        except (TimeoutError, asyncio.TimeoutError, httpx.TimeoutException):
            raise FetchError(f"no complete answer from {urlsplit(url).netloc} within {timeout_s:g} s "
                             "(setting: fetch timeout)", item=item, hint="the site may be slow or down; try later"
                             ) from None
        except httpx.HTTPError as exc:
            raise FetchError(_network_message(exc, url), item=item) from None
        except ssl.SSLError as exc:
            raise FetchError(f"the secure connection to {urlsplit(url).netloc} failed ({exc.reason or exc})",
                             item=item) from None


# -- small helpers ---------------------------------------------------------------------------------
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _check_scheme(url: str, *, item: str) -> None:
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        raise BadInput("the address is not a valid URL", item=item) from None
    if scheme not in ("http", "https"):
        raise BadInput(f"'{scheme or 'no scheme'}' addresses are not fetched; only http and https are", item=item)


async def _sleep(seconds: float, cancel: CancelToken) -> None:
    """Sleep in short steps so a cancel is noticed quickly."""
    deadline = time.monotonic() + seconds
    while True:
        cancel.check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.2))


def _retry_after(value: str | None) -> float | None:
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


def _size_message(size: int, cap: int, partial: bool = False) -> str:
    mb = 1024 * 1024
    what = "more than" if partial else ""
    return (f"the download is {what} {size / mb:,.1f} MB, over the limit of {cap / mb:,.0f} MB "
            "(setting: max download bytes)").replace("is  ", "is ")


_STATUS_TEXT = {
    400: "bad request", 401: "login required", 403: "access forbidden", 404: "page not found",
    405: "method not allowed", 406: "no acceptable content", 408: "request timeout", 410: "page gone for good",
    429: "too many requests", 451: "unavailable for legal reasons", 500: "server error", 502: "bad gateway",
    503: "service unavailable", 504: "gateway timeout",
}


def _status_message(status: int) -> str:
    text = _STATUS_TEXT.get(status, "client error" if status < 500 else "server error")
    return f"the server answered HTTP {status} ({text})"


def _network_message(exc: Exception, url: str) -> str:
    """Name the cause a person can act on: TLS, refused, DNS, broken connection."""
    netloc = urlsplit(url).netloc
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "certificate" in text:
        return (f"the TLS certificate of {netloc} could not be verified; Harvest always checks certificates "
                "(the site's certificate may be self-signed, expired or for another name)")
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "tls" in text:
        return f"the secure (TLS) connection to {netloc} failed"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return f"the connection to {netloc} was refused (nothing is listening there)"
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service" in text or "nodename" in text:
        return f"the host name in {url} could not be found (DNS lookup failed)"
    import httpx

    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{netloc} closed the connection or sent a malformed answer"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "only http and https addresses are fetched"
    return f"could not fetch from {netloc} ({exc.__class__.__name__}: {exc})"
