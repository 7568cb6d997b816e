"""Turn what a person dropped (files, folders, links from a browser) into items to enqueue."""

from __future__ import annotations

from PySide6.QtCore import QMimeData


def _looks_like_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def items_from_mime(mime: QMimeData) -> list[str]:
    """Local paths and http(s) URLs, in order, without repeats."""
    items: list[str] = []
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile():
                items.append(url.toLocalFile())
            elif url.scheme() in ("http", "https"):
                items.append(url.toString())
    if not items and mime.hasText():
        items.extend(items_from_text(mime.text()))
    seen: set[str] = set()
    return [i for i in items if not (i in seen or seen.add(i))]


def items_from_text(text: str) -> list[str]:
    """One URL or path per line; blank lines and '#' comments (as in text/uri-list) are skipped."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("file://"):
            from urllib.parse import unquote, urlsplit

            out.append(unquote(urlsplit(line).path))
        else:
            out.append(line)
    return out


def accepts(mime: QMimeData) -> bool:
    return mime.hasUrls() or mime.hasText()
