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
    from harvest_desktop.core import paths
    from harvest_desktop.core.errors import KnownError
    from harvest_desktop.store.db import check_header, quick_check
    from harvest_desktop.store.repair import repair

    path = paths.db_path()
    if not path.exists():
        raise KnownError("there is no library here yet, so there is nothing to repair", item=str(path))
    if not args.force:
        try:
            check_header(path)
            verdict = quick_check(path)
        except KnownError:
            verdict = "damaged"
        except Exception as exc:  # SQLite could not even check it: damaged
            verdict = type(exc).__name__
        if verdict == "ok":
            print(f"{path}: SQLite's check finds no damage; nothing to repair (--force recovers anyway)")
            return EXIT_OK
    result = repair(path)
    print(result.summary())
    return EXIT_OK
