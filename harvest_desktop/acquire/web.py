"""Web pages into Documents: what to fetch, what the bytes are, and the hand-off to the readers.

The network itself (address policy at connect time, robots.txt and Crawl-delay, per-host limits,
redirects checked hop by hop, retries honouring Retry-After, size caps, deadlines) is
harvest_desktop.net; this module decides what to ask it for and what to do with the answer.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.core.errors import BadInput, FetchError, KnownError, UnsupportedFormat
from harvest_desktop.core.settings import Settings
from harvest_desktop.net import (USER_AGENT, AddressPolicy, HostBook, classify_address, host_port, origin_of,
                                 strip_userinfo, user_agent)
from harvest_desktop.net.retry import retry_after as _retry_after, status_message as _status_message

if TYPE_CHECKING:
    from harvest_desktop.net.crawl import Fetched

__all__ = ["USER_AGENT", "WebHarvester", "classify_address", "is_url", "is_url_list_text", "read_url_list",
           "urls_from_text", "_retry_after"]

_URL_IN_TEXT = re.compile(r"""https?://[^\s<>"'`]+""", re.I)
_TRAILING = ".,;:!?'\"»›>"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
              "text/csv": "csv"}

# Links found on a page with "harvest this section", remembered for the run: when one is fetched
# later (it comes back as an ordinary queued URL), it is not treated as typed by the person; it may
# be private only if it is on the exact host:port of the page the person did type.
_DISCOVERED: "OrderedDict[str, tuple[str, int] | None]" = OrderedDict()
_DISCOVERED_MAX = 20_000


def _remember_links(links: list[str], grant: tuple[str, int] | None) -> None:
    for link in links:
        _DISCOVERED[link] = grant
        _DISCOVERED.move_to_end(link)
    while len(_DISCOVERED) > _DISCOVERED_MAX:
        _DISCOVERED.popitem(last=False)


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


class WebHarvester:
    """Fetch pages politely (through harvest_desktop.net) and turn them into Documents with attribution."""

    retry_base_s = 1.0  # first backoff step when the server gives no Retry-After

    def __init__(self, settings: Settings, *, hosts: HostBook | None = None, policy: AddressPolicy | None = None,
                 inner_backend: object = None) -> None:
        self.settings = settings
        self._hosts = hosts
        self._policy = policy
        self._inner_backend = inner_backend
        self._fetcher = None

    @property
    def user_agent(self) -> str:
        return user_agent(self.settings.web.user_agent_contact)

    @property
    def fetcher(self):  # -> net.PoliteFetcher
        from harvest_desktop.net.crawl import CrawlLimits, PoliteFetcher

        limits = CrawlLimits.from_settings(self.settings)
        limits.retry_base_s = self.retry_base_s
        if self._fetcher is None:
            self._fetcher = PoliteFetcher(limits, contact=self.settings.web.user_agent_contact, policy=self._policy,
                                          hosts=self._hosts, inner_backend=self._inner_backend)
        else:
            self._fetcher.limits = limits
        return self._fetcher

    # -- public ------------------------------------------------------------------------------
    async def fetch_document(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True) -> Document:
        """Fetch one URL and extract its main text; attribution is filled in doc.attribution.

        user_given: the person typed or dropped this URL (its exact host may then be private, if
        the setting allows). A link found by section_links() is never counted as typed."""
        url = strip_userinfo(url.strip())[0]
        doc, _ = await self._fetch_and_read(url, cancel, named=self._named(url, user_given), want_links=False)
        return doc

    async def section_links(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True) -> list[str]:
        """Links one level down from a page, on the same site (scheme, host and port), capped in number."""
        url = strip_userinfo(url.strip())[0]
        named = self._named(url, user_given)
        _, links = await self._fetch_and_read(url, cancel, named=named, want_links=True)
        _remember_links(links, host_port(url) if named else None)
        return links

    async def harvest_section(self, url: str, cancel: CancelToken = NEVER, *, user_given: bool = True
                              ) -> list[tuple[str, Document | KnownError]]:
        """The page and the same-site pages it links to, each under robots.txt and the rate limits.

        A link may reach a private address only on the exact host:port the person typed."""
        url = strip_userinfo(url.strip())[0]
        named = self._named(url, user_given)
        first, links = await self._fetch_and_read(url, cancel, named=named, want_links=True)
        _remember_links(links, host_port(url) if named else None)
        results: list[tuple[str, Document | KnownError]] = [(url, first)]

        async def one(link: str) -> tuple[str, Document | KnownError]:
            try:
                return link, await self.fetch_document(link, cancel, user_given=user_given)
            except KnownError as exc:
                return link, exc

        results.extend(await asyncio.gather(*(one(link) for link in links)))
        cancel.check()
        return results

    async def aclose(self) -> None:
        fetcher, self._fetcher = self._fetcher, None
        if fetcher is not None:
            await fetcher.aclose()

    # -- the pipeline ------------------------------------------------------------------------
    def _named(self, url: str, user_given: bool) -> bool:
        """May this URL's exact host:port be private? Only if the person named it and the setting allows."""
        if not (user_given and self.settings.web.allow_private_addresses):
            return False
        if url in _DISCOVERED:  # found on a page, not typed: only the typed page's own host:port
            grant = _DISCOVERED[url]
            return grant is not None and host_port(url) == grant
        return True

    async def _fetch_and_read(self, url: str, cancel: CancelToken, *, named: bool, want_links: bool
                              ) -> tuple[Document, list[str]]:
        fetched = await self.fetcher.get(url, cancel, named=named)
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
            origin = origin_of(fetched.final_url)
            links = [strip_userinfo(l)[0] for l in links]
            links = [l for l in links if origin_of(l) == origin and l != fetched.final_url and l != url]
            links = list(dict.fromkeys(links))[: max(0, self.settings.web.max_section_links)]
        return doc, links

    async def _read(self, fetched: "Fetched", want_links: bool) -> tuple[Document, list[str]]:
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

