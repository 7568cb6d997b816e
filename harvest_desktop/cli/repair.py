"""`harvest repair`: recover what can be read from a damaged library into a new file, swapped in.

The damaged file is kept beside the library (library.sqlite3.damaged-<time>); the vector index is
rebuilt from the recovered rows on next use. SQLite's `.recover` runs when the sqlite3 program can;
otherwise the rows are copied table by table past the unreadable stretches.
"""

from __future__ import annotations

from harvest_desktop.cli._common import EXIT_OK

NAME = "repair"


def register(sub) -> None:
    p = sub.add_parser(NAME, help="recover a damaged library into a new file (the damaged one is kept)")
    p.add_argument("--force", action="store_true", help="recover even when SQLite's check finds no damage")
    p.set_defaults(run=run)


def run(_lib, args) -> int:
    from harvest_desktop.core.errors import KnownError
    from harvest_desktop.services import storage

    path = storage.library_path()
    if not path.exists():
        raise KnownError("there is no library here yet, so there is nothing to repair", item=str(path))
    if not args.force and storage.damage_found(path) is None:
        print(f"{path}: SQLite's check finds no damage; nothing to repair (--force recovers anyway)")
        return EXIT_OK
    print(storage.repair(path).summary())
    return EXIT_OK
