"""Dispatch a local file to its reader by extension, checked against the content's magic bytes."""

from __future__ import annotations

import errno
import importlib
import os
import stat
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

# -- what a path is, and reading it without surprises ----------------------------------------------
_KIND_NAMES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def display_name(text: str | os.PathLike[str]) -> str:
    """A file name or path safe to print on one line: bytes that are not UTF-8 and control
    characters (a newline could forge a row of `harvest list`) are shown as escapes."""
    raw = os.fsencode(text) if not isinstance(text, str) else text.encode("utf-8", "surrogateescape")
    shown = raw.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in shown)


def is_valid_name(path: str | Path) -> bool:
    """True when the path is valid UTF-8 (it can be stored, shown and typed back)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_regular_reason(path: str | Path) -> str | None:
    """Why this is not a regular file Harvest may read (by lstat, links followed to their end),
    or None when it is one. Symlink loops, FIFOs, devices, sockets and folders all have a reason."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "the file does not exist"
    except OSError as exc:
        return f"the file cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link loop (the link points back at itself)"
            if exc.errno == errno.ENOENT:
                return "a symbolic link to a file that does not exist"
            return f"the link's target cannot be examined ({exc.strerror})"
        what = _kind_name(st.st_mode)
        return f"a symbolic link to {what}, not a regular file; skipped" if what else None
    what = _kind_name(st.st_mode)
    return f"{what}, not a regular file; skipped" if what else None


def _kind_name(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, name in _KIND_NAMES:
        if test(mode):
            return name
    return "not a regular file"


def read_capped(path: str | Path, cap: int, *, item: str | None = None) -> bytes:
    """Read at most cap bytes of a regular file; raises LimitExceeded past the cap.

    Opened non-blocking and checked on the open descriptor, so a FIFO or device swapped in after
    a check can neither hang the read nor stream forever."""
    path = Path(path)
    item = item or display_name(path)
    reason = not_regular_reason(path)
    if reason:
        raise BadInput(reason, item=item)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BadInput(f"the file cannot be opened ({exc.strerror})", item=item,
                       hint="check its permissions") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(f"{_kind_name(st.st_mode)}, not a regular file; skipped", item=item)
        if st.st_size > cap:
            raise LimitExceeded(f"the file is {_mb(st.st_size)} MB, over the limit of {_mb(cap)} MB "
                                "(setting: max file size)", item=item)
        chunks: list[bytes] = []
        total = 0
        while total <= cap:
            block = os.read(fd, min(1024 * 1024, cap + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
    except OSError as exc:
        raise BadInput(f"the file cannot be read ({exc.strerror})", item=item) from None
    finally:
        os.close(fd)
    if total > cap:
        raise LimitExceeded(f"the file grew past the limit of {_mb(cap)} MB while being read "
                            "(setting: max file size)", item=item)
    return b"".join(chunks)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f}"


def read_file(path: str | Path, limits: HarvestLimits | None = None) -> Document:
    """Read one local file into a Document; raises KnownError subclasses naming the file."""
    path = Path(path)
    limits = limits or HarvestLimits()
    item = display_name(path.name)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnsupportedFormat(f"files of type '{suffix or 'no extension'}' are not supported", item=item,
                                hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if os.path.isdir(path):
        raise BadInput("this is a folder, not a file", item=display_name(path))
    data = read_capped(path, limits.max_file_bytes, item=item)
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
