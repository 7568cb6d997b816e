"""`harvest export`: write outputs already made (one, or all of them into a folder)."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "export"


def register(sub) -> None:
    e = sub.add_parser(NAME, help="write outputs already made to files (see `harvest outputs`)")
    e.add_argument("output_id", nargs="?", type=int, metavar="OUTPUT_ID", help="the output to write")
    e.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="file (its extension picks the writer) or, with --all, an existing folder")
    e.add_argument("--all", action="store_true", help="write every output of the library into the folder OUT")
    e.add_argument("--as", dest="types", default="pdf,md,json", metavar="TYPES",
                   help="with --all: file types, comma-separated (default pdf,md,json)")
    e.add_argument("--force", action="store_true", help="replace files that exist")
    e.set_defaults(run=run)


def run(lib, args) -> int:
    if args.all == (args.output_id is not None):
        print("harvest: give either OUTPUT_ID or --all", file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        res = lib.exports.write_all(Path(args.output), types=args.types.split(","), overwrite=args.force,
                                    cancel=cancel_on_sigint(), progress=progress_printer())
        for p in res.written:
            print(f"wrote {p}")
        for line in res.skipped:
            print(f"skipped: {line}")
        for line in res.failed:
            print(f"error: {line}", file=sys.stderr)
        print(f"index: {res.index}")
        return EXIT_PARTIAL if res.failed else EXIT_OK
    written = lib.exports.write(args.output_id, Path(args.output), overwrite=args.force)
    print(f"wrote {written}")
    return EXIT_OK
