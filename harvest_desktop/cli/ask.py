"""`harvest ask`: a cited answer from the sources (or a plain "the sources do not say")."""

from __future__ import annotations

import sys

from harvest_desktop.cli._common import EXIT_OK, EXIT_USAGE, cancel_on_sigint

NAME = "ask"


def register(sub) -> None:
    k = sub.add_parser(NAME, help="answer a question from the sources, with citations")
    k.add_argument("question")
    k.add_argument("--source", dest="sources", action="append", metavar="SOURCE",
                   help="ask only these sources (repeatable); default: all ready sources")
    k.add_argument("--engine", default="builtin", help="builtin (default)")
    k.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.formats.answer import render_text

    if args.engine != "builtin":
        print(f"harvest: the engine '{args.engine}' is not available yet (use --engine builtin)", file=sys.stderr)
        return EXIT_USAGE
    ids = lib.sources.resolve(args.sources) if args.sources else None
    answer = lib.generation.ask(args.question, source_ids=ids, cancel=cancel_on_sigint())
    print(render_text(answer))
    return EXIT_OK
