"""Frozen entry point of the desktop app (`harvest-desktop`)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Worker processes of a frozen app re-run this executable; let them take their own path.
    multiprocessing.freeze_support()
    from harvest_desktop.__main__ import main

    sys.exit(main())
