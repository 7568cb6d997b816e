"""Run untrusted file parsers contained. (First version: in-process; see issue on harvesting.)"""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.acquire.files import read_file
from harvest_desktop.core.document import Document
from harvest_desktop.core.settings import HarvestLimits


def read_file_contained(path: str | Path, limits: HarvestLimits) -> Document:
    return read_file(path, limits)


def shutdown() -> None:
    """Stop any worker processes; called when the library closes."""
