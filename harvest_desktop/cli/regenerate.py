"""`harvest regenerate`: one question, card, point or scene of an output written again by a model.

The result is a new output (a new version, with its own id); the one it came from is kept."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_OK, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "regenerate"


def register(sub) -> None:
    r = sub.add_parser(NAME, help="write one item of an output again with a model (a new version; the old is kept)")
    r.add_argument("output", type=int, metavar="OUTPUT", help="the output's id (see `harvest outputs`)")
    r.add_argument("--item", type=int, required=True, metavar="N",
                   help="which question, card, point or scene, counting from 1")
    from harvest_desktop.cli.route import add_engine_options

    add_engine_options(r)
    r.set_defaults(run=run)


def run(lib, args) -> int:
    if args.item < 1:
        print("harvest: --item counts from 1", file=sys.stderr)
        return EXIT_USAGE
    made = lib.generation.regenerate_item(args.output, args.item - 1, engine=args.engine, prefer=args.prefer,
                                          cancel=cancel_on_sigint(), progress=progress_printer())
    print(f"#{made.output.id}\t{made.output.title}\t(item {args.item} of #{args.output} written again; "
          f"#{args.output} is kept)")
    print(f"route: {made.output.route_reason}")
    return EXIT_OK
