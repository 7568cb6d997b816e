"""Expand what the user dropped or typed (files, folders, URLs, URL-list files) into harvestable items."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit

from harvest_desktop.acquire.files import (FORMATS, display_name, is_valid_name,
                                          not_regular_reason, read_capped)
from harvest_desktop.core.errors import KnownError
from harvest_desktop.net.policy import strip_userinfo

MAX_FOLDER_ITEMS = 10_000
URL_LIST_SUFFIXES = {".urls", ".uris", ".uri"}
LOGIN_DROPPED = ("the login written in the address (user:password@) was dropped: Harvest never stores, shows or "
                 "sends logins in URLs (keep it in the keyring)")


def normalise_kinds(kinds: Iterable[str] | None) -> set[str] | None:
    """Accept type names ('pdf', 'docx', 'text') or suffixes ('.pdf'); None means every type."""
    if kinds is None:
        return None
    out: set[str] = set()
    for k in kinds:
        k = k.strip().lower()
        if not k:
            continue
        if k.startswith("."):
            entry = FORMATS.get(k)
            if entry:
                out.add(entry[0])
        else:
            out.add(k)
    return out


def _wanted(path: Path, kinds: set[str] | None) -> bool:
    entry = FORMATS.get(path.suffix.lower())
    return entry is not None and (kinds is None or entry[0] in kinds)


def _url_list(path: Path) -> list[str] | None:
    """URLs from a .urls file, or from a .txt file whose every line is a URL; otherwise None."""
    from harvest_desktop.acquire.web import is_url_list_text, urls_from_text

    suffix = path.suffix.lower()
    if suffix not in URL_LIST_SUFFIXES and suffix != ".txt":
        return None
    try:
        data = read_capped(path, 5 * 1024 * 1024)  # regular files only: never a FIFO or /dev/zero
    except KnownError:
        return None
    text = data.decode("utf-8", errors="replace")
    if suffix in URL_LIST_SUFFIXES or is_url_list_text(text):
        return urls_from_text(text)
    return None


def expand_items(items: Iterable[str | Path], *, kinds: Iterable[str] | None = None,
                 notes: list[tuple[str, str]] | None = None
                 ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Return ([(kind, location, display name)], [(item, error message)]).

    kinds limits the file types taken from folders (type names or suffixes); files named
    directly are always taken if supported. A .urls file, or a .txt file holding only URLs,
    stands for the URLs it lists. A URL's 'user:password@' is dropped before anything stores,
    prints or sends it; notes (if given) receives (url, message) telling the person so.
    """
    wanted = normalise_kinds(kinds)
    found: list[tuple[str, str, str]] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(kind: str, location: str, name: str) -> None:
        if kind == "url":
            location, had_login = strip_userinfo(location)
            name = location
            if had_login and notes is not None:
                notes.append((location, LOGIN_DROPPED))
        if location not in seen:
            seen.add(location)
            found.append((kind, location, name))

    for raw in items:
        item = str(raw).strip()
        if not item:
            continue
        scheme = urlsplit(item).scheme.lower() if "://" in item else ""
        if scheme in ("http", "https"):
            add("url", item, item)
            continue
        if scheme == "file":
            item = unquote(urlsplit(item).path)
        elif scheme:
            errors.append((strip_userinfo(item)[0], f"'{scheme}:' addresses are not fetched; only http and https URLs are"))
            continue
        path = Path(item).expanduser()
        if not is_valid_name(path):
            errors.append((display_name(item), "the name is not valid UTF-8, so it cannot be stored "
                           "(rename the file or folder)"))
            continue
        if path.is_dir():
            count = 0
            stop = False

            def unreadable(exc: OSError) -> None:
                errors.append((display_name(exc.filename or path),
                               f"the folder cannot be opened ({exc.strerror}); skipped"))

            for root, dirs, files in os.walk(path, onerror=unreadable):  # links to folders not followed
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for fname in sorted(files):
                    if fname.startswith("."):
                        continue
                    fpath = Path(root) / fname
                    if _wanted(fpath, wanted):
                        # Each odd entry costs its own line, never the batch.
                        if not is_valid_name(fpath):
                            errors.append((display_name(fpath), "the name is not valid UTF-8, so it cannot "
                                           "be stored (rename the file)"))
                            continue
                        reason = not_regular_reason(fpath)
                        if reason:
                            errors.append((display_name(fpath), reason))
                            continue
                        add("file", os.path.realpath(fpath), fpath.name)
                        count += 1
                        if count >= MAX_FOLDER_ITEMS:
                            errors.append((str(path), f"stopped after {MAX_FOLDER_ITEMS} files in this folder"))
                            stop = True
                            break
                if stop:
                    break
            if count == 0:
                what = "files of the chosen types" if wanted is not None else "supported files"
                errors.append((str(path), f"the folder has no {what}"))
        elif not os.path.lexists(path):
            errors.append((item, "no such file or folder (check the path)"))
        elif reason := not_regular_reason(path):
            errors.append((display_name(item), reason))
        else:
            urls = _url_list(path)
            if urls is not None:
                if not urls:
                    errors.append((str(path), "the URL list has no http or https addresses"))
                for url in urls:
                    add("url", url, url)
            else:  # an unsupported type still goes in: the reader explains what is supported
                add("file", os.path.realpath(path), path.name)
    return found, errors
