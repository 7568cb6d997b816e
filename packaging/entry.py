"""Frozen entry point of both front ends; the name the program was started under picks one.

`harvest` (a symlink to harvest-desktop on Linux and macOS, its own console executable on
Windows) runs the headless CLI; any other name runs the desktop app.
"""

import multiprocessing
import os
import sys


def _program_name() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    name = name.lower()
    return name[:-4] if name.endswith(".exe") else name


if __name__ == "__main__":
    # Worker processes of a frozen app re-run this executable; let them take their own path.
    multiprocessing.freeze_support()
    if _program_name() == "harvest":
        from harvest_desktop.cli import main as cli_main

        sys.exit(cli_main())
    from harvest_desktop.__main__ import main

    sys.exit(main())
