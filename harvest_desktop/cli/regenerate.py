"""`harvest regenerate`: one item of an output written again by a model — a question, card, point,
scene, FAQ entry, study-guide part, blog-post section, hook or conclusion.

The result is the output's new version (same id); every earlier version is kept (`harvest versions`)."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_OK, EXIT_USAGE, cancel_on_sigint, progress_printer

NAME = "regenerate"


def register(sub) -> None:
    r = sub.add_parser(NAME, help="write one item of an output again with a model (a new version; the old is kept)")
    r.add_argument("output", type=int, metavar="OUTPUT", help="the output's id (see `harvest outputs`)")
    r.add_argument("--item", type=int, metavar="N",
                   help="which item, counting from 1 (without --item: list the items)")
    from harvest_desktop.cli.route import add_engine_options

    add_engine_options(r)
    r.set_defaults(run=run)


def run(lib, args) -> int:
    if args.item is None:
        labels = lib.generation.items(args.output)
        if not labels:
            print(f"#{args.output} has no item that can be written again on its own")
        for i, label in enumerate(labels, 1):
            print(f"{i}\t{label}")
        return EXIT_OK
    if args.item < 1:
        print("harvest: --item counts from 1", file=sys.stderr)
        return EXIT_USAGE
    made = lib.generation.regenerate_item(args.output, args.item - 1, engine=args.engine, prefer=args.prefer,
                                          cancel=cancel_on_sigint(), progress=progress_printer())
    versions = lib.generation.versions(args.output)
    now = versions[-1].number
    print(f"#{made.output.id}\t{made.output.title}\tversion {now}: {versions[-1].note} "
          f"(version {now - 1} is kept; see `harvest versions {args.output}`)")
    print(f"route: {made.output.route_reason}")
    return EXIT_OK
