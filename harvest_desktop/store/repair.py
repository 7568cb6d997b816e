"""Recover what can be read from a damaged library into a new file, then put it in place.

SQLite's own `.recover` (the sqlite3 shell) reads every page it can, even past broken b-trees; its
output is loaded into a scratch file and copied, table by table, into a fresh library built by the
current migrations, so the result always has the schema this Harvest expects. Without the shell,
rows are copied straight from the damaged file in small rowid ranges, skipping the ranges that
cannot be read. The damaged file is never changed: it is kept beside the library.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from harvest_desktop.core.errors import KnownError, StorageError
from harvest_desktop.store import migrations
from harvest_desktop.store.db import keep_damaged_copy

log = logging.getLogger(__name__)

# Derived data the app rebuilds by itself (the FTS index from chunk rows, the FAISS token).
_SKIP_TABLES_PREFIX = ("sqlite_", "chunk_fts", "lost_and_found")
_SKIP_TABLES = {"index_state"}
MAX_SKIP = 20_000  # unreadable rowids probed past a broken stretch before a table is given up


@dataclass
class RepairResult:
    library: Path  # the repaired library, now in place
    damaged_copy: Path | None  # the damaged file, kept as it was
    method: str  # "sqlite3 .recover" or "row copy"
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows recovered
    lost: dict[str, int] = field(default_factory=dict)  # table -> rows the damaged file had but could not give

    def summary(self) -> str:
        total = sum(self.rows.values())
        parts = [f"{t} {n:,}" for t, n in self.rows.items() if n]
        kept = f"; the damaged file is kept at {self.damaged_copy}" if self.damaged_copy else ""
        return (f"recovered {total:,} rows ({', '.join(parts) or 'none'}) with {self.method} "
                f"into {self.library}{kept}")


def sqlite_shell() -> str | None:
    return shutil.which("sqlite3")


def repair(path: Path, *, use_shell: bool | None = None) -> RepairResult:
    """Recover `path` into a new library and swap it in; the damaged file is kept as a copy."""
    path = Path(path)
    if not path.exists():
        raise KnownError("there is no library file to repair", item=str(path))
    copy = keep_damaged_copy(path)
    if copy is None:
        raise StorageError("could not keep a copy of the damaged library, so it was left untouched",
                           item=str(path), hint="free some space or check the folder's permissions")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    new = path.with_name(f"{path.stem}.recovered-{stamp}{path.suffix}")
    scratch = path.with_name(f"{path.stem}.recover-scratch-{stamp}{path.suffix}")
    shell = sqlite_shell() if use_shell is not False else None
    if use_shell and shell is None:
        raise KnownError("the sqlite3 program is not installed")
    try:
        _fresh_library(new)
        rows, method = {}, ""
        if shell and _shell_recover(shell, copy, scratch):
            rows, method = _copy_tables(scratch, new), "sqlite3 .recover"
        if not any(rows.values()):
            for p in (scratch, Path(str(scratch) + "-wal")):
                if p.exists():
                    p.unlink()
            rows = _copy_tables(_readable_copy(copy, scratch), new)
            method = "row copy"
        _fix_dangling(new)
        rows = _counts(new, rows)
        check = _integrity(new)
        if check != "ok":
            raise StorageError(f"the recovered library did not pass SQLite's check ({check})", item=str(new))
        for suffix in ("-wal", "-shm"):
            leftover = path.with_name(path.name + suffix)
            if leftover.exists():
                leftover.unlink()
        os.replace(new, path)
    except BaseException:
        for p in (new, Path(str(new) + "-wal"), Path(str(new) + "-shm")):
            if p.exists():
                p.unlink()
        raise
    finally:
        for p in (scratch, Path(str(scratch) + "-wal"), Path(str(scratch) + "-shm")):
            if p.exists():
                p.unlink()
    result = RepairResult(library=path, damaged_copy=copy, method=method, rows=rows)
    log.info("library repaired: %s", result.summary())
    return result


def _fresh_library(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        migrations.migrate(conn)
    finally:
        conn.close()


def _shell_recover(shell: str, damaged: Path, scratch: Path) -> bool:
    """sqlite3 damaged .recover | sqlite3 scratch, both as separate processes (no shell quoting)."""
    dump = subprocess.Popen([shell, "-bail", str(damaged), ".recover"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    load = subprocess.run([shell, str(scratch)], stdin=dump.stdout, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=3600)
    assert dump.stdout is not None
    dump.stdout.close()
    dump.wait(timeout=60)
    if not scratch.exists() or load.returncode != 0:
        # Some builds of the shell lack the page reader .recover needs ("SQL logic error").
        log.info("sqlite3 .recover did not run here; copying rows instead")
        return False
    return True


def _tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")]
    return [n for n in names if not n.startswith(_SKIP_TABLES_PREFIX) and n not in _SKIP_TABLES]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _readable_copy(source: Path, scratch: Path) -> Path:
    """A scratch copy SQLite will open: a header that promises more pages than the file holds is
    set to the pages actually there (the missing ones are gone either way)."""
    shutil.copyfile(source, scratch)
    with open(scratch, "r+b") as fh:
        header = bytearray(fh.read(100))
        if len(header) == 100 and header.startswith(b"SQLite format 3"):
            page_size = int.from_bytes(header[16:18], "big")
            page_size = 65536 if page_size == 1 else page_size
            pages = os.path.getsize(scratch) // page_size
            if int.from_bytes(header[28:32], "big") > pages:
                header[28:32] = pages.to_bytes(4, "big")
                fh.seek(0)
                fh.write(header)
    wal = Path(str(source) + "-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(scratch) + "-wal"))
    return scratch


def _copy_tables(source: Path, target: Path) -> dict[str, int]:
    """Copy rows the source can still give, table by table, into the fresh target."""
    old = sqlite3.connect(source, isolation_level=None)
    new = sqlite3.connect(target, isolation_level=None)
    rows: dict[str, int] = {}
    try:
        new.execute("PRAGMA foreign_keys=OFF")
        try:
            old_tables = set(_tables(old))
        except sqlite3.DatabaseError:
            old_tables = set()
        for table in _tables(new):
            if table not in old_tables:
                rows[table] = 0
                continue
            try:
                old_cols = set(_columns(old, table))
            except sqlite3.DatabaseError:
                rows[table] = 0
                continue
            cols = [c for c in _columns(new, table) if c in old_cols]
            if not cols:
                continue
            col_list = ", ".join(f'"{c}"' for c in cols)
            insert = (f'INSERT OR IGNORE INTO "{table}" ({col_list}) '
                      f'VALUES ({", ".join("?" for _ in cols)})')
            new.execute("BEGIN")
            _copy_rows(old, new, table, col_list, insert)
            new.execute("COMMIT")
            rows[table] = new.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        old.close()
        new.close()
    return rows


def _copy_rows(old: sqlite3.Connection, new: sqlite3.Connection, table: str, col_list: str,
               insert: str) -> None:
    """Read in rowid order; past a stretch that cannot be read, seek to the next readable row."""
    select = f'SELECT rowid, {col_list} FROM "{table}" WHERE rowid > ? ORDER BY rowid'
    seek = f'SELECT rowid FROM "{table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1'
    last = -(2 ** 63)
    while True:
        before = last
        try:
            for row in old.execute(select, (last,)):
                new.execute(insert, row[1:])
                last = row[0]
            return
        except sqlite3.DatabaseError:
            pass
        if last == before:
            last = max(last, -1) + 1  # the very next row is unreadable: step over it
        # Find where reading can start again; give up after MAX_SKIP unreadable rowids.
        for probe in range(last + 1, last + 1 + MAX_SKIP):
            try:
                found = old.execute(seek, (probe,)).fetchone()
            except sqlite3.DatabaseError:
                continue
            if found is None:
                return
            last = found[0] - 1
            break
        else:
            return


def _fix_dangling(path: Path) -> None:
    """Rows whose parent was lost: links to other sources are cleared, child rows dropped."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for _ in range(3):  # dropping a child can orphan nothing further, but be sure
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if not problems:
                break
            conn.execute("BEGIN")
            for table, rowid, parent, _fk in problems:
                if table == "source" and parent == "source":
                    conn.execute("UPDATE source SET duplicate_of = CASE WHEN duplicate_of IN "
                                 "(SELECT id FROM source) THEN duplicate_of END, similar_to = CASE WHEN "
                                 "similar_to IN (SELECT id FROM source) THEN similar_to END WHERE rowid = ?",
                                 (rowid,))
                else:
                    conn.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            conn.execute("COMMIT")
    finally:
        conn.close()


def _counts(path: Path, tables: dict[str, int]) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check(1)").fetchone()[0])
    finally:
        conn.close()
