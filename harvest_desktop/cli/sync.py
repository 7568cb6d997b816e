"""`harvest sync`: push and pull with a Harvest server; `sync setup URL`, `sync status`."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, cancel_on_sigint, progress_printer

NAME = "sync"


def register(sub) -> None:
    p = sub.add_parser(NAME, help="sync the library with a Harvest server (push + pull)",
                       description="Without an action: send what changed here, receive what changed "
                                   "elsewhere, and print what moved.")
    p.add_argument("action", nargs="?", choices=("setup", "status"), help="setup URL | status")
    p.add_argument("url", nargs="?", metavar="URL", help="for setup: the server, e.g. http://127.0.0.1:8765")
    p.add_argument("--library", metavar="NAME_OR_ID",
                   help="for setup: which library on the server to mirror (default: the one already mirrored, "
                        "else the server's only library, else a new one)")
    p.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.sync.service import SyncService

    svc = SyncService(lib)
    if args.action == "setup":
        if not args.url:
            print("harvest sync setup: give the server's URL, e.g. harvest sync setup http://127.0.0.1:8765",
                  file=sys.stderr)
            return 2
        if sys.stdin.isatty():
            import getpass

            token = getpass.getpass("device token (from harvest-server token create NAME): ")
        else:
            token = sys.stdin.readline()
        said = svc.setup(args.url, token, library=args.library)
        print(f"sync set up with {svc.server_url()} {said}; the token is in the system key store")
        return EXIT_OK
    if args.url:
        print("harvest sync: a URL is only taken by `harvest sync setup URL`", file=sys.stderr)
        return 2
    if args.action == "status":
        for line in svc.status().lines():
            print(line)
        return EXIT_OK
    report = svc.sync_blocking(progress=progress_printer(), cancel=cancel_on_sigint())
    for line in report.lines():
        print(line)
    return EXIT_OK if not report.skipped else EXIT_PARTIAL
