"""`harvest add`: harvest files, folders or URLs into the library."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "add"
URL_LIST_MAX_BYTES = 5 * 1024 * 1024


def register(sub) -> None:
    a = sub.add_parser(NAME, help="harvest files, folders or URLs into the library")
    a.add_argument("items", nargs="*", metavar="PATH_OR_URL",
                   help="files, folders and URLs (optional with --urls-from)")
    a.add_argument("--type", dest="types", action="append", metavar="EXT",
                   help="only files with this extension when adding folders (repeatable, e.g. --type pdf)")
    a.add_argument("--urls-from", metavar="FILE", help="also add the URLs listed in FILE (one per line)")
    a.add_argument("--section", action="store_true",
                   help="for each URL, also harvest the same-site pages it links to (one level down)")
    a.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.core.errors import Cancelled, StorageError
    from harvest_desktop.services.sources import ItemResult

    items = list(args.items)
    refused: list[str] = []
    if args.urls_from:
        from harvest_desktop.acquire.files import read_capped

        # A list is a list of web addresses: a file:// line or a local path in a shared list is
        # never harvested from it (each such line is named and skipped).
        text = read_capped(args.urls_from, URL_LIST_MAX_BYTES).decode("utf-8", errors="replace")
        for ln in text.splitlines():
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            if ln.lower().startswith(("http://", "https://")):
                items.append(ln)
            else:
                refused.append(ln)
    if not items and not refused:
        print("harvest add: error: nothing to add: give files, folders or URLs, or --urls-from FILE "
              "with at least one URL", file=sys.stderr)
        return EXIT_USAGE
    if args.types:
        types = {("." + t.lower().lstrip(".")) for t in args.types}
        items = _filter_types(items, types)
    token = cancel_on_sigint()
    section_problems = []
    if args.section:
        items, section_problems = _expand_sections(lib, items, token)
    queued, problems = lib.sources.enqueue(items)
    problems = section_problems + problems
    for ln in refused:
        print(ItemResult(ln, False, "skipped: --urls-from takes http and https URLs only").line())
    for r in problems:
        print(r.line())
    try:
        results = lib.sources.harvest_sync([s.id for s in queued], cancel=token, progress=progress_printer())
    except Cancelled:
        print("harvest: cancelled; unfinished items stay queued: `harvest resume` goes on with them",
              file=sys.stderr)
        return EXIT_CANCELLED
    except StorageError as exc:  # the items done before the fault still get their lines
        for r in getattr(exc, "partial_results", ()):
            print(r.line())
        raise
    for r in results:
        print(r.line())
    failed = bool(refused) or any(not r.ok for r in list(problems) + list(results))
    return EXIT_PARTIAL if failed else EXIT_OK


def _expand_sections(lib, items: list[str], token):
    import asyncio

    async def expand():
        try:
            return await lib.sources.expand_sections(items, token)
        finally:
            await lib.aclose()

    return asyncio.run(expand())


def _filter_types(items: list[str], types: set[str]) -> list[str]:
    out = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            out += [str(f) for f in sorted(path.rglob("*")) if f.is_file() and f.suffix.lower() in types]
        else:
            out.append(item)
    return out
