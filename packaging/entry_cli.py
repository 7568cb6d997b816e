"""Frozen entry point of the headless front end (`harvest`)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from harvest_desktop.cli import main

    sys.exit(main())
