"""`harvest resume`: harvest again what a Cancel (in the window) or Ctrl+C left unfinished."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL, cancel_on_sigint, progress_printer

NAME = "resume"


def register(sub) -> None:
    r = sub.add_parser(NAME, help="harvest the items a Cancel or Ctrl+C left unfinished (all, or the ones named)")
    r.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="ids, names or URLs (default: every cancelled or unfinished item); "
                        "a failed item named here is tried again too")
    r.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.core.errors import Cancelled, StorageError

    token = cancel_on_sigint()
    ids, notes = lib.sources.resume(lib.sources.resolve(args.sources) if args.sources else None)
    for line in notes:
        print(line)
    if not ids:
        if not notes:
            print("nothing to resume: no item is cancelled or unfinished")
        return EXIT_OK
    try:
        results = lib.sources.harvest_sync(ids, cancel=token, progress=progress_printer())
    except Cancelled:
        print("harvest: cancelled; unfinished items stay queued and `harvest resume` goes on with them",
              file=sys.stderr)
        return EXIT_CANCELLED
    except StorageError as exc:
        for r in getattr(exc, "partial_results", ()):
            print(r.line())
        raise
    for r in results:
        print(r.line())
    return EXIT_PARTIAL if any(not r.ok for r in results) else EXIT_OK
