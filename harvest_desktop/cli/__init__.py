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
from harvest_desktop.cli._common import EXIT_CANCELLED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, Parser
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


# Commands that only read the library: in a data folder that cannot be written they open it read-only.
READ_ONLY_COMMANDS = frozenset({"list", "show", "search", "formats"})
# Commands that work on the library file itself, without opening it (it may be damaged).
NO_LIBRARY_COMMANDS = frozenset({"repair"})


def main(argv: Sequence[str] | None = None) -> int:
    """Every fault a person can act on ends as one line on stderr and exit 1 (see cli/_faults.py)."""
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
    from harvest_desktop.cli._faults import guarded

    return guarded(lambda: _run(args))


def _run(args) -> int:
    from harvest_desktop.cli._faults import say
    from harvest_desktop.core.logging_setup import setup_logging
    from harvest_desktop.core.settings import Settings

    setup_logging()
    if args.command in MODEL_COMMANDS:  # the model loads while the library opens
        from harvest_desktop.services.search import preload_model

        preload_model(queries=args.command == "search")
    settings = Settings.load()
    for notice in settings.notices:  # an invalid settings file was kept aside and replaced
        say(notice)
    if args.command in NO_LIBRARY_COMMANDS:
        return args.run(None, args)
    lib = open_library(args.command, settings)
    try:
        code = args.run(lib, args)
    except BaseException:
        _close_quietly(lib)
        raise
    lib.close()  # may still write (the vector index); a fault here is one line too
    return code


def open_library(command: str, settings):
    """The library for one command: read-only when the command only reads and the folder is read-only."""
    from harvest_desktop.library import Library
    from harvest_desktop.services.storage import open_database

    return Library(db=open_database(settings, reads_only=command in READ_ONLY_COMMANDS), settings=settings)


def _close_quietly(lib) -> None:
    import logging

    try:
        lib.close()
    except Exception as exc:  # the first fault was already said; this one goes to the log only
        logging.getLogger(__name__).warning("closing the library after a fault: %s", type(exc).__name__)
