"""What every `harvest` command shares: exit codes, the usage-error parser, progress, Ctrl+C, lookups."""

from __future__ import annotations

import argparse
import signal
import sys

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that, say how
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class UsageError(Exception):
    pass


def progress_printer():
    from harvest_desktop.core.progress import Progress

    interactive = sys.stderr.isatty()

    def show(p: Progress) -> None:
        if interactive and p.total:
            sys.stderr.write(f"\r[{p.done}/{p.total}] {p.message[:70]:<70}")
            sys.stderr.flush()
            if p.done >= p.total:
                sys.stderr.write("\n")

    return show


def cancel_on_sigint():
    from harvest_desktop.core.cancel import CancelToken

    token = CancelToken()

    def handler(_signum, _frame):
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\nharvest: cancelling (press Ctrl+C again to stop at once)", file=sys.stderr)

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        pass
    return token


def find_source(lib, ref: str):
    from harvest_desktop.core.errors import KnownError

    src = lib.sources.find(ref)
    if src is None:
        raise KnownError(f"no source matches '{ref}'", hint="`harvest list` shows ids, names and URLs")
    return src
