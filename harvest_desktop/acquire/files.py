"""Dispatch a local file to its reader by extension, checked against the content's magic bytes."""

from __future__ import annotations

import importlib

from pathlib import Path

from harvest_desktop.core.document import Document
from harvest_desktop.core.errors import BadInput, LimitExceeded, UnsupportedFormat
from harvest_desktop.core.settings import HarvestLimits

TEXT_SUFFIXES = {".txt", ".text", ".log", ".rst", ".asc"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}

# suffix -> (kind name shown to people, mime type)
FORMATS: dict[str, tuple[str, str]] = {
    **{s: ("text", "text/plain") for s in TEXT_SUFFIXES},
    **{s: ("markdown", "text/markdown") for s in MARKDOWN_SUFFIXES},
    **{s: ("html", "text/html") for s in HTML_SUFFIXES},
    ".pdf": ("pdf", "application/pdf"),
    ".docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".epub": ("epub", "application/epub+zip"),
    ".odt": ("odt", "application/vnd.oasis.opendocument.text"),
    ".rtf": ("rtf", "application/rtf"),
    ".csv": ("csv", "text/csv"),
    ".tsv": ("csv", "text/tab-separated-values"),
}
SUPPORTED_SUFFIXES = frozenset(FORMATS)
# Type names a person can filter a folder by ("pdf", "docx", "text", ...).
KINDS = frozenset(kind for kind, _ in FORMATS.values())


def is_supported(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def kind_of(path: str | Path) -> str | None:
    entry = FORMATS.get(Path(path).suffix.lower())
    return entry[0] if entry else None



# kind -> (module, function, extra argument: the limits, the character cap, or nothing)
READERS: dict[str, tuple[str, str, str]] = {
    "pdf": ("harvest_desktop.acquire.pdf", "read_pdf", "limits"),
    "docx": ("harvest_desktop.acquire.office", "read_docx", "limits"),
    "pptx": ("harvest_desktop.acquire.office", "read_pptx", "limits"),
    "odt": ("harvest_desktop.acquire.office", "read_odt", "limits"),
    "epub": ("harvest_desktop.acquire.epub", "read_epub", "limits"),
    "html": ("harvest_desktop.acquire.html", "read_html_file", "limits"),
    "rtf": ("harvest_desktop.acquire.text", "read_rtf", ""),
    "csv": ("harvest_desktop.acquire.text", "read_csv", "max_chars"),
    "markdown": ("harvest_desktop.acquire.text", "read_markdown", ""),
    "text": ("harvest_desktop.acquire.text", "read_text", ""),
}

def read_file(path: str | Path, limits: HarvestLimits | None = None) -> Document:
    """Read one local file into a Document; raises KnownError subclasses naming the file."""
    path = Path(path)
    limits = limits or HarvestLimits()
    item = path.name
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnsupportedFormat(f"files of type '{suffix or 'no extension'}' are not supported", item=item,
                                hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput("the file does not exist", item=str(path)) from None
    except OSError as exc:
        raise BadInput(f"the file cannot be opened ({exc.strerror})", item=str(path)) from None
    if path.is_dir():
        raise BadInput("this is a folder, not a file", item=str(path))
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"the file is {size / (1024 * 1024):,.0f} MB, over the limit of "
                            f"{limits.max_file_bytes / (1024 * 1024):,.0f} MB (setting: max file size)", item=item)
    try:
        with path.open("rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise BadInput(f"the file cannot be read ({exc.strerror})", item=str(path),
                       hint="check its permissions") from None
    if len(data) > limits.max_file_bytes:
        raise LimitExceeded("the file grew past the limit of "
                            f"{limits.max_file_bytes / (1024 * 1024):,.0f} MB while being read "
                            "(setting: max file size)", item=item)
    doc = read_bytes(path, data, limits)
    doc.attribution.location = str(path)
    return doc


def read_bytes(path: Path, data: bytes, limits: HarvestLimits, kind: str | None = None) -> Document:
    """Parse bytes as the given kind (default: from the file name); used for files and downloads."""
    item = path.name
    if not data.strip():
        raise BadInput("the file is empty", item=item, hint="pick a file with some text in it")
    kind = kind or kind_of(path)
    head = data[:1024]
    if kind not in ("pdf",) and head.lstrip().startswith(b"%PDF"):
        kind = "pdf"  # a PDF with the wrong extension is still a PDF
    if kind in ("docx", "pptx", "epub", "odt") and not data.startswith(b"PK"):
        raise BadInput(f"the file is not a valid {kind.upper()} (it is not a zip archive)", item=item,
                       hint="the file may be damaged, truncated, or have the wrong extension")
    reader = READERS.get(kind)
    if reader is None:
        raise UnsupportedFormat(f"content of type '{kind}' is not supported", item=item)
    module_name, func_name, wants = reader
    read = getattr(importlib.import_module(module_name), func_name)  # readers load on first use
    extra = {"limits": (limits,), "max_chars": (limits.max_chars,), "": ()}[wants]
    doc = read(path, data, *extra)
    n_chars = sum(len(b.text) for b in doc.blocks)
    if n_chars > limits.max_chars:
        raise LimitExceeded(f"the extracted text has {n_chars:,} characters, over the limit of "
                            f"{limits.max_chars:,} (setting: max characters)", item=item)
    if doc.attribution.mime is None:
        doc.attribution.mime = FORMATS.get(path.suffix.lower(), (kind, None))[1] or (
            "application/pdf" if kind == "pdf" else None)
    if kind == "pdf":
        doc.attribution.mime = "application/pdf"
    return doc
