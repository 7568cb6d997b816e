"""Expand what the user dropped or typed (files, folders, URLs) into harvestable items."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from harvest_desktop.acquire.files import is_supported

MAX_FOLDER_ITEMS = 10_000


def expand_items(items: Iterable[str | Path]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Return ([(kind, location, display name)], [(item, error message)])."""
    found: list[tuple[str, str, str]] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(kind: str, location: str, name: str) -> None:
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
            from urllib.parse import unquote

            item = unquote(urlsplit(item).path)
        elif scheme:
            errors.append((item, f"'{scheme}:' addresses are not fetched; only http and https URLs are"))
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            count = 0
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for fname in sorted(files):
                    if fname.startswith("."):
                        continue
                    fpath = Path(root) / fname
                    if is_supported(fpath):
                        add("file", str(fpath.resolve()), fpath.name)
                        count += 1
                        if count >= MAX_FOLDER_ITEMS:
                            errors.append((str(path), f"stopped after {MAX_FOLDER_ITEMS} files in this folder"))
                            break
                else:
                    continue
                break
            if count == 0:
                errors.append((str(path), "the folder has no supported files"))
        elif path.exists():
            add("file", str(path.resolve()), path.name)
        else:
            errors.append((item, "no such file or folder (check the path)"))
    return found, errors
