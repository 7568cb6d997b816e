"""`harvest concepts`: the key concepts with definitions and citations, and the concept map."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "concepts"


def register(sub) -> None:
    c = sub.add_parser(NAME, help="print the key concepts with definitions and citations")
    c.add_argument("--limit", type=int, default=20)
    c.add_argument("--map", metavar="OUT", help="write the concept map to OUT.png or OUT.svg")
    c.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="only these sources (repeatable); default: all ready sources")
    c.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.services.concepts import MAP_SUFFIXES

    if args.map and Path(args.map).suffix.lower() not in MAP_SUFFIXES:
        print(f"harvest: {Path(args.map).name}: the map is written as .png or .svg", file=sys.stderr)
        return EXIT_USAGE
    ids = lib.sources.resolve(args.sources) if args.sources else None
    analysis = lib.concepts.analyse(limit=args.limit, source_ids=ids, cancel=cancel_on_sigint(),
                                    progress=progress_printer())
    if not analysis.concepts and analysis.note:
        print("harvest: the library has no harvested text yet (add sources with `harvest add`)", file=sys.stderr)
        return EXIT_PARTIAL
    for n, c in enumerate(analysis.concepts, 1):
        line = f"{n}. {c.term}"
        if c.definition:
            note = " (explained, not defined, in the text)" if getattr(c, "definition_kind", "") == "explained" else ""
            line += f": {c.definition}{note} {c.citation.cite() if c.citation else ''}"
        print(line.rstrip())
    if args.map:
        print(f"wrote {lib.concepts.write_map(analysis, args.map)}")
    return EXIT_OK
