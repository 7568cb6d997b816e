"""The content hash that tells two copies of the same text apart from two different texts."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def content_hash(text: str) -> str:
    """Hash of normalised text: same words in the same order hash alike, whatever the layout."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()
