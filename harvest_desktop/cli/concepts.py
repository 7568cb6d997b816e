"""`harvest concepts`: the key concepts with definitions and citations, and the concept map."""

from __future__ import annotations

import sys
from pathlib import Path

from harvest_desktop.cli._common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

NAME = "concepts"


def register(sub) -> None:
    c = sub.add_parser(NAME, help="print the key concepts with definitions and citations")
    c.add_argument("--limit", type=int, default=20)
    c.add_argument("--map", metavar="OUT", help="write the concept map to OUT.png or OUT.svg")
    c.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.formats.registry import to_passages
    from harvest_desktop.understand.concepts import extract_concepts

    passages = to_passages(lib.chunks(), {s.id: s for s in lib.sources()})
    if not passages:
        print("harvest: the library has no harvested text yet (add sources with `harvest add`)", file=sys.stderr)
        return EXIT_PARTIAL
    concepts = extract_concepts(passages, limit=args.limit)
    for n, c in enumerate(concepts, 1):
        line = f"{n}. {c.term}"
        if c.definition:
            line += f": {c.definition} {c.citation.cite() if c.citation else ''}"
        print(line.rstrip())
    if args.map:
        target = Path(args.map)
        try:
            from harvest_desktop.understand import concept_map
            from harvest_desktop.understand.concepts import extract_relations  # type: ignore[attr-defined]
        except ImportError:
            print("harvest: the concept map is not available in this build", file=sys.stderr)
            return EXIT_PARTIAL
        relations = extract_relations(passages, concepts)
        if target.suffix.lower() == ".svg":
            concept_map.render_svg(concepts, relations, target)
        elif target.suffix.lower() == ".png":
            concept_map.render_png(concepts, relations, target)
        else:
            print(f"harvest: {target.name}: the map is written as .png or .svg", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote {target}")
    return EXIT_OK
