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
    k.add_argument("--engine", default="builtin", metavar="ENGINE",
                   help="builtin (default: sentences found in the sources), or a model: auto, ollama, openai, "
                        "anthropic, gemini, or a server you added (ENDPOINT[:MODEL])")
    k.add_argument("--prefer", default=None, help="with a model: cost, balanced, quality, local or offline")
    k.add_argument("--fresh", action="store_true", help="with a model: do not use a cached answer")
    k.set_defaults(run=run)


def run(lib, args) -> int:
    from harvest_desktop.formats.answer import render_text

    if not args.question.strip():
        print("harvest: the question is empty", file=sys.stderr)
        return EXIT_USAGE
    ids = lib.sources.resolve(args.sources) if args.sources else None
    answer = lib.generation.ask(args.question, source_ids=ids, cancel=cancel_on_sigint(), engine=args.engine,
                                prefer=args.prefer, fresh=args.fresh)
    print(render_text(answer))
    if getattr(answer, "route_reason", ""):
        print(f"route: {answer.route_reason}")
    return EXIT_OK
