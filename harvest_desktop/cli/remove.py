"""`harvest remove`: take a source out of the library."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK, find_source

NAME = "remove"


def register(sub) -> None:
    r = sub.add_parser(NAME, help="remove a source from the library")
    r.add_argument("source", metavar="SOURCE")
    r.set_defaults(run=run)


def run(lib, args) -> int:
    src = find_source(lib, args.source)
    lib.sources.remove(src.id)
    print(f"removed #{src.id} {src.name}")
    return EXIT_OK
