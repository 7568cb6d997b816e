"""The big-source guard: a text that is one phrase repeated over and over is refused with its reason.

Such a text (a 20 MB line of the same words, a log stuck in a loop) would cost minutes of
embedding and fill the index with thousands of identical passages, and there is nothing in it to
study. It is recognised by how well it compresses: prose compresses about 3:1 with zlib's fastest
level, tables and lists rarely beyond 6:1, a repeated phrase by 100:1 or more. Only texts of at
least MIN_CHARS are checked (smaller ones cost little whatever they hold); the check reads at most
SAMPLE_BYTES spread over the text, so it takes milliseconds even for 20 MB.
"""

from __future__ import annotations

import zlib

from harvest_desktop.core.errors import BadInput

MIN_CHARS = 200_000
MAX_RATIO = 20.0
SAMPLE_BYTES = 4 * 1024 * 1024
_PIECES = 16


def compression_ratio(text: str) -> float:
    """Raw size / zlib(level 1) size of (a spread-out sample of) the text."""
    data = text.encode("utf-8", errors="replace")
    if len(data) > SAMPLE_BYTES:
        step = len(data) // _PIECES
        size = SAMPLE_BYTES // _PIECES
        data = b"".join(data[i * step:i * step + size] for i in range(_PIECES))
    if not data:
        return 1.0
    return len(data) / max(1, len(zlib.compress(data, 1)))


def check_text(text: str, name: str = "") -> None:
    """Raise BadInput when a big text is mostly one thing repeated; otherwise return quietly."""
    if len(text) < MIN_CHARS:
        return
    ratio = compression_ratio(text)
    if ratio >= MAX_RATIO:
        raise BadInput(f"the text ({len(text):,} characters) is the same words repeated over and over "
                       f"(it compresses {ratio:.0f}:1; prose compresses about 3:1), so there is nothing "
                       f"to study in it; it was not indexed", item=name or None,
                       hint="remove the repeated part, or add the original document")
