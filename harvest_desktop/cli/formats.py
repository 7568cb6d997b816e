"""`harvest formats`: the formats and what can make them."""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "formats"


def register(sub) -> None:
    p = sub.add_parser(NAME, help="list the formats and what can make them")
    p.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.formats.registry import FORMATS, route_description

    for spec in FORMATS:
        print(f"{spec.key}\t{spec.label}\t{route_description(spec)}")
    return EXIT_OK
