"""Polite web acquisition (first version: plain fetch + trafilatura)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from harvest_desktop import __version__
from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.document import Document, blocks_from_plain_text
from harvest_desktop.core.errors import BadInput, FetchError
from harvest_desktop.core.settings import Settings

USER_AGENT = f"Harvest/{__version__} (+https://harvest.invalid/bot; desktop study tool)"


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


class WebHarvester:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    async def fetch_document(self, url: str, cancel: CancelToken) -> Document:
        if self._client is None:
            self._client = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, follow_redirects=True,
                                             timeout=self.settings.limits.fetch_timeout_s)
        try:
            resp = await self._client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch ({exc.__class__.__name__})", item=url) from None
        if resp.status_code >= 400:
            raise FetchError(f"the server answered HTTP {resp.status_code}", item=url)
        import trafilatura

        text = trafilatura.extract(resp.text, url=str(resp.url)) or ""
        blocks = blocks_from_plain_text(text)
        if not blocks:
            raise BadInput("no main text found on the page", item=url)
        doc = Document(title=url, blocks=blocks)
        doc.attribution.location = url
        doc.attribution.final_url = str(resp.url)
        doc.attribution.fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return doc

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
