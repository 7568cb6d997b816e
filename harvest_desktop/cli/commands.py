"""The one list of `harvest` commands: add a module here and it registers its own subparser.

Each module names its command (`NAME`), adds its parser in `register(sub)` and sets `run(lib, args)`
as the parser's `run` default; the order here is the order `harvest --help` lists them in.
"""

from __future__ import annotations

COMMAND_MODULES: tuple[str, ...] = (
    "add",
    "resume",
    "listing",
    "show",
    "remove",
    "generate",
    "regenerate",
    "versions",
    "outputs",
    "export",
    "ask",
    "concepts",
    "search",
    "formats",
    "sync",
    "route",
    "keys",
    "usage",
    "repair",
)
