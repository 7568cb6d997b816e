"""`harvest`: the headless front end over the same core, for batch work and scripts.

Exit codes: 0 all went well, 1 some items failed (the rest were done), 2 usage errors,
130 cancelled (Ctrl+C). One module per command; `commands.COMMAND_MODULES` lists them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from harvest_desktop import __version__
from harvest_desktop.cli._common import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, Parser, UsageError
from harvest_desktop.cli.commands import COMMAND_MODULES

MODEL_COMMANDS = ("search", "add")  # commands that embed: their model load starts first

__all__ = ["EXIT_CANCELLED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="harvest", description="Harvest: turn documents and web pages into cited study material.")
    p.add_argument("--version", action="version", version=f"harvest {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"harvest_desktop.cli.{name}").register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if getattr(args, "limit", 1) is not None and getattr(args, "limit", 1) < 1:
        parser.error("--limit must be at least 1")
    from harvest_desktop.core.errors import Cancelled, KnownError

    from harvest_desktop.core.logging_setup import setup_logging

    setup_logging()
    if args.command in MODEL_COMMANDS:  # the model loads while the library opens
        from harvest_desktop.services.search import preload_model

        preload_model()
    from harvest_desktop.library import Library

    try:
        lib = Library()
    except KnownError as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_PARTIAL
    try:
        return args.run(lib, args)
    except KnownError as exc:
        print(f"harvest: {exc}", file=sys.stderr)
        return EXIT_PARTIAL if not isinstance(exc, UsageError) else EXIT_USAGE
    except (Cancelled, KeyboardInterrupt):
        print("harvest: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        lib.close()
