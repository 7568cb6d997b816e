"""Dispatch a local file to its reader by content sniffing and extension."""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.core.document import Document
from harvest_desktop.core.errors import BadInput, LimitExceeded, UnsupportedFormat
from harvest_desktop.core.settings import HarvestLimits

TEXT_SUFFIXES = {".txt", ".text", ".log"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
PDF_SUFFIXES = {".pdf"}

SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | PDF_SUFFIXES


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_file(path: str | Path, limits: HarvestLimits | None = None) -> Document:
    """Read one local file into a Document; raises KnownError subclasses naming the file."""
    path = Path(path)
    limits = limits or HarvestLimits()
    item = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput("the file does not exist", item=str(path)) from None
    except OSError as exc:
        raise BadInput(f"the file cannot be opened ({exc.strerror})", item=str(path)) from None
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"the file is {size // (1024 * 1024)} MB, over the limit of "
                            f"{limits.max_file_bytes // (1024 * 1024)} MB (setting: max file size)", item=item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"the file cannot be read ({exc.strerror})", item=str(path),
                       hint="check its permissions") from None
    if not data.strip():
        raise BadInput("the file is empty", item=item, hint="pick a file with some text in it")
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from harvest_desktop.acquire.pdf import read_pdf

        doc = read_pdf(path, data, limits)
    elif suffix in MARKDOWN_SUFFIXES:
        from harvest_desktop.acquire.text import read_markdown

        doc = read_markdown(path, data)
    elif suffix in TEXT_SUFFIXES:
        from harvest_desktop.acquire.text import read_text

        doc = read_text(path, data)
    else:
        raise UnsupportedFormat(f"files of type '{suffix or 'no extension'}' are not supported", item=item,
                                hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if len(doc.text) > limits.max_chars:
        raise LimitExceeded(f"the extracted text has {len(doc.text):,} characters, over the limit of "
                            f"{limits.max_chars:,} (setting: max characters)", item=item)
    doc.attribution.location = str(path)
    return doc
