"""The library database: WAL, short transactions, exactly one writer at a time.

Storage faults come out of here as one-line KnownErrors (core.errors.StorageError): a full disk,
a damaged file (a copy is kept and `harvest repair` offered), a read-only folder, another process
holding the write lock past a bounded wait. Row parameters (document text) never appear in them.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from harvest_desktop.core import paths
from harvest_desktop.core.errors import (DiskFull, KnownError, LibraryBusy, LibraryDamaged, LibraryReadOnly,
                                         StorageError)
from harvest_desktop.store import migrations

log = logging.getLogger(__name__)

DEFAULT_LOCK_WAIT_S = 30.0
# quick_check reads every page (about 2.5 ms per MB); libraries up to this size are checked at open
# when asked (the CLI asks), bigger ones are checked by `harvest repair` and wherever SQLite trips.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"
DAMAGED_COPY_INFIX = ".damaged-"

# Primary result codes (sqlite3.Error.sqlite_errorcode & 0xff).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def _connect_pragmas(lock_wait_s: float, read_only: bool):
    def on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(lock_wait_s * 1000)}")
        cur.close()

    return on_connect


class Database:
    """Owns the engine; reads use their own sessions, writes are serialised by one lock.

    read_only=True opens the file without ever writing to it (for commands that only read, and for
    a data folder that cannot be written); a missing library then reads as an empty one."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False,
                 lock_wait_s: float = DEFAULT_LOCK_WAIT_S, check: bool = False) -> None:
        self.path = Path(path) if path else paths.db_path()
        self.read_only = read_only
        self.lock_wait_s = max(0.0, float(lock_wait_s))
        self._write_lock = threading.RLock()
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise storage_error(exc, self.path) from None
        check_header(self.path)
        if check:
            self._quick_check()
        url, creator, pool = self._connection_target()
        kwargs = {"creator": creator, "poolclass": pool} if creator else {}
        self.engine: Engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": self.lock_wait_s},
            hide_parameters=True,  # a failed INSERT must not carry the document's text into errors or logs
            **kwargs,
        )
        event.listen(self.engine, "connect", _connect_pragmas(self.lock_wait_s, read_only))
        try:
            self.schema_version = self._migrate() if not read_only else self._check_version()
        except KnownError:
            self.engine.dispose()
            raise
        except (sqlite3.Error, sa_exc.SQLAlchemyError, OSError) as exc:
            self.engine.dispose()
            raise storage_error(exc, self.path) from None

    # -- opening ---------------------------------------------------------------------------------
    def _connection_target(self):
        if not self.read_only:
            return f"sqlite:///{self.path}", None, None
        if not self.path.exists():
            # Nothing stored yet: an empty library in memory, never a file created by a read.
            mem = sqlite3.connect(":memory:", check_same_thread=False)
            migrations.migrate(mem)
            return "sqlite://", lambda: mem, StaticPool
        uri = self.path.resolve().as_uri()
        if folder_writable(self.path.parent):
            target = f"{uri}?mode=ro"
        else:
            # Nobody can write here, so nothing changes underneath: read the file as it is,
            # without the -shm/-wal files a WAL reader would otherwise have to create.
            target = f"{uri}?mode=ro&immutable=1"
        return "sqlite://", lambda: sqlite3.connect(target, uri=True, check_same_thread=False,
                                                    timeout=self.lock_wait_s), None

    def _quick_check(self) -> None:
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        if not size or size > QUICK_CHECK_MAX_BYTES:
            return
        try:
            result = quick_check(self.path, self.lock_wait_s)
        except (sqlite3.Error, OSError) as exc:
            if not is_storage_fault(exc):
                raise
            raise storage_error(exc, self.path) from None
        if result != "ok":
            raise damaged(self.path, "SQLite's check says: " + result.splitlines()[0][:120])

    def _migrate(self) -> int:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.lock_wait_s)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.lock_wait_s * 1000)}")
            conn.execute("PRAGMA journal_mode=WAL")
            return migrations.migrate(conn)
        finally:
            conn.close()

    def _check_version(self) -> int:
        with self.engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        if version > migrations.SCHEMA_VERSION:
            raise KnownError(f"the library was written by a newer Harvest (schema {version}, "
                             f"this one knows {migrations.SCHEMA_VERSION})",
                             hint="update Harvest, or point HARVEST_HOME at another folder")
        if version < migrations.SCHEMA_VERSION:
            raise LibraryReadOnly("the library needs an upgrade, which cannot be written here",
                                  item=str(self.path),
                                  hint="make the data folder writable and run any harvest command once")
        return version

    # -- sessions --------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except (sqlite3.Error, sa_exc.DBAPIError, OSError) as exc:
            if not is_storage_fault(exc):
                raise  # a bug (constraint, bad SQL): the crash path, parameters hidden all the same
            raise storage_error(exc, self.path) from None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short transaction; commits on success, rolls back on any exception."""
        if self.read_only:
            raise LibraryReadOnly("the library is open read-only", item=str(self.path),
                                  hint="make the data folder writable to change the library")
        with self._write_lock:
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    try:
                        yield session
                        session.commit()
                    except BaseException:
                        session.rollback()
                        raise
            except (sqlite3.Error, sa_exc.DBAPIError, OSError) as exc:
                if not is_storage_fault(exc):
                    raise
                raise storage_error(exc, self.path) from None

    def integrity_check(self) -> str:
        conn = sqlite3.connect(self.path, timeout=self.lock_wait_s)
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()

    def close(self) -> None:
        self.engine.dispose()


# -- faults ------------------------------------------------------------------------------------

def folder_writable(folder: Path) -> bool:
    """Whether files can be made in folder: permission bits (os.access) and a read-only mount
    (statvfs; root passes os.access even there)."""
    try:
        return os.access(folder, os.W_OK) and not (os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_header(path: Path) -> None:
    """A library file that is not SQLite at all (truncated to nothing, overwritten) is damaged."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise storage_error(exc, path) from None
    if not head:
        return  # SQLite reads an empty file as an empty database (a first start cut short)
    if head != SQLITE_HEADER:
        raise damaged(path, "it is not a database file any more")
    short = _truncated_by(path)
    if short and _confirmed_damaged(path):
        raise damaged(path, f"the file is cut short by {short:,} bytes")


def _confirmed_damaged(path: Path) -> bool:
    """A file shorter than its header says is normal after a checkpoint cut off by a full disk: the
    WAL still holds the pages. Only SQLite's own check, which reads through the WAL, decides."""
    try:
        return quick_check(path) != "ok"
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        return isinstance(code, int) and (code & 0xFF) in (_CORRUPT, _NOTADB)


def _truncated_by(path: Path) -> int:
    """Bytes missing from the end, by the page count the header records; 0 when it adds up."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError:
        return 0
    if len(header) < 100:
        return 100 - len(header)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter, valid_for = header[24:28], header[92:96]
    if not pages or change_counter != valid_for:
        return 0  # the in-header size is not trustworthy (old writers); SQLite works it out itself
    return max(0, pages * page_size - size)


def quick_check(path: Path, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> str:
    """SQLite's quick_check on a read-only connection: 'ok', or the first problem it found."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not folder_writable(path.parent):
        uri += "&immutable=1"  # no -shm can be made here, and nobody can be writing
    conn = sqlite3.connect(uri, uri=True, timeout=lock_wait_s)
    try:
        return str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    finally:
        conn.close()


def damaged(path: Path, why: str) -> LibraryDamaged:
    """The error for a damaged library, after keeping a copy of it as it is now."""
    copy = keep_damaged_copy(path)
    kept = f"; a copy is kept at {copy}" if copy else ""
    return LibraryDamaged(f"the library is damaged ({why}){kept}", item=str(path),
                          hint="run `harvest repair` to recover what can be read into a new library",
                          path=str(path), copy=str(copy) if copy else None)


def keep_damaged_copy(path: Path) -> Path | None:
    """Copy the damaged file (and its WAL) aside once per damaged state; never overwrites a copy."""
    try:
        st = path.stat()
    except OSError:
        return None
    for existing in sorted(path.parent.glob(f"{path.name}{DAMAGED_COPY_INFIX}*")):
        if existing.suffix in ("-wal", "-shm") or existing.name.endswith(("-wal", "-shm")):
            continue
        try:
            est = existing.stat()
        except OSError:
            continue
        if est.st_size == st.st_size and int(est.st_mtime) == int(st.st_mtime):
            return existing
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}{DAMAGED_COPY_INFIX}{stamp}")
    try:
        shutil.copy2(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copy2(wal, copy.with_name(copy.name + "-wal"))
    except OSError as exc:
        log.warning("could not keep a copy of the damaged library: %s", exc.strerror)
        return None
    return copy


def storage_error(exc: BaseException, path: Path) -> StorageError:
    """One clear line for a storage fault; the SQL, its parameters and any text stay out of it."""
    orig = getattr(exc, "orig", None) or exc
    where = str(path)
    if isinstance(orig, OSError) and not isinstance(orig, sqlite3.Error):
        if orig.errno in _NO_SPACE:
            return _disk_full(path)
        if orig.errno in _READ_ONLY_ERRNOS:
            return LibraryReadOnly(f"the data folder cannot be written ({orig.strerror})", item=where,
                                   hint="make it writable, or point HARVEST_HOME at another folder")
        return StorageError(f"the library could not be read or written ({orig.strerror})", item=where)
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(orig).lower()
    if primary == _FULL or "disk is full" in text:
        return _disk_full(path)
    if primary in (_BUSY, _LOCKED) or "database is locked" in text:
        return LibraryBusy("another Harvest is writing to the library", item=where,
                           hint="wait until it has finished, then try again")
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return damaged(path, "SQLite says: " + _sqlite_words(orig))
    if primary == _READONLY or "readonly" in text or "read-only" in text:
        return LibraryReadOnly("the library cannot be written here (read-only)", item=where,
                               hint="make the data folder writable, or point HARVEST_HOME at another folder")
    if primary == _CANTOPEN or "unable to open" in text:
        if path.parent.exists() and not folder_writable(path.parent):
            return LibraryReadOnly("the library's folder is read-only", item=where,
                                   hint="make the data folder writable, or point HARVEST_HOME at another folder")
        return StorageError("the library file cannot be opened", item=where,
                            hint="check that the data folder exists and can be written")
    if primary == _IOERR:
        if _low_on_space(path):
            return _disk_full(path)
        return StorageError("the library could not be read or written (disk I/O error)", item=where,
                            hint="check the disk; nothing already stored was changed")
    return StorageError(f"the library reported an error ({_sqlite_words(orig)})", item=where)


def _disk_full(path: Path) -> DiskFull:
    return DiskFull("the disk is full, so the library could not be written", item=str(path.parent),
                    hint="free some space and run the command again; nothing already stored was lost")


def _low_on_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def _sqlite_words(exc: BaseException) -> str:
    """SQLite's own short message, never the statement or its parameters."""
    name = getattr(exc, "sqlite_errorname", None)
    words = str(exc).splitlines()[0] if str(exc) else ""
    words = words.split("[SQL")[0].strip()[:120]
    return f"{words} ({name})" if name and words else (words or name or exc.__class__.__name__)


def is_storage_fault(exc: BaseException) -> bool:
    """Storage said no (full, locked, damaged, read-only, I/O) as opposed to a bug in a statement."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return False
    if isinstance(orig, sqlite3.Error):
        return isinstance(orig, (sqlite3.OperationalError, sqlite3.DatabaseError))
    return isinstance(orig, OSError)


def is_storage_oserror(exc: BaseException) -> bool:
    """An OSError that means the disk is full or read-only (worth one line, not a traceback)."""
    return isinstance(exc, OSError) and exc.errno in (_NO_SPACE | {errno.EROFS})
