"""The library file itself, for the front ends: open it the right way for a command, check it,
repair it, and turn a storage OSError into its one-line error. (Front ends never touch store.db.)"""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.core import paths
from harvest_desktop.core.errors import KnownError, StorageError
from harvest_desktop.core.settings import Settings
from harvest_desktop.store import db as _db


def library_path() -> Path:
    return paths.db_path()


def open_database(settings: Settings, *, reads_only: bool = False) -> _db.Database:
    """The database for one command: a bounded wait for another writer, a damage check for small
    libraries, and read-only when the command only reads and the data folder cannot be written."""
    path = paths.db_path()
    read_only = reads_only and not _db.folder_writable(path.parent)
    return _db.Database(path, read_only=read_only, lock_wait_s=settings.limits.lock_wait_s, check=True)


def damage_found(path: Path | None = None) -> str | None:
    """What SQLite's check finds wrong with the library file, or None when it finds nothing."""
    path = path or paths.db_path()
    try:
        _db.check_header(path)
        verdict = _db.quick_check(path)
    except KnownError as exc:
        return str(exc)
    except Exception as exc:  # SQLite could not even run its check on it
        return type(exc).__name__
    return None if verdict == "ok" else verdict


def repair(path: Path | None = None):
    """Recover what can be read into a new file and swap it in; returns a RepairResult."""
    from harvest_desktop.store.repair import repair as _repair

    return _repair(Path(path) if path else paths.db_path())


def as_storage_error(exc: BaseException) -> StorageError | None:
    """The one-line error for an OSError that means the disk is full or read-only, else None."""
    if _db.is_storage_oserror(exc):
        return _db.storage_error(exc, paths.db_path())
    return None
