"""The content hash that tells two copies of the same text apart from two different texts."""

from __future__ import annotations

import hashlib
import re
import unicodedata

PIECE = 32_768  # characters normalised per call: each C call (NFKC, casefold, the regex) holds the GIL
_SPLIT = re.compile(r"[ \n\t]")
_SPACES = re.compile(r"\s+")


def content_hash(text: str, piece: int = PIECE) -> str:
    """Hash of normalised text: same words in the same order hash alike, whatever the layout.

    The hash of NFKC + casefold + runs of whitespace made one space, stripped; worked out piece by
    piece (cut before an ASCII space, tab or newline, where neither NFKC nor the whitespace rule
    reaches across), so a book's text never holds the GIL for one long call (a 500-page book's
    single regex pass stalled the window for 0.25 s and more). Same value as the one-pass form."""
    h = hashlib.sha256()
    started = pending = False
    for part in _pieces(text, piece):
        norm = _SPACES.sub(" ", unicodedata.normalize("NFKC", part).casefold())
        core = norm.strip(" ")
        if not core:
            pending = pending or bool(norm)
            continue
        if started and (pending or norm.startswith(" ")):
            h.update(b" ")
        h.update(core.encode("utf-8"))
        started, pending = True, norm.endswith(" ")
    return h.hexdigest()


def _pieces(text: str, size: int):
    start = 0
    while start < len(text):
        if len(text) - start <= size:
            yield text[start:]
            return
        cut = _SPLIT.search(text, start + size)
        end = cut.start() if cut else len(text)
        yield text[start:end]
        start = end
