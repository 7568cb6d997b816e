"""Damaged, truncated, locked libraries and invalid settings, reproduced on real files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from harvest_desktop.core.errors import LibraryBusy, LibraryDamaged
from harvest_desktop.core.logging_setup import redact
from harvest_desktop.core.settings import Settings
from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database, quick_check
from harvest_desktop.store.repair import repair

SECRET_TEXT = "CONFIDENTIAL-PASSAGE the board will announce layoffs"


def filled_library(path: Path, n: int = 200) -> None:
    db = Database(path)
    with db.write() as s:
        for i in range(n):
            src = m.Source(kind="file", location=f"/docs/{i}.txt", name=f"{i}.txt", status="ready")
            s.add(src)
            s.flush()
            s.add(m.DocumentRow(source_id=src.id, text=f"document {i} " * 300, structure_json="{}"))
            s.add(m.Chunk(source_id=src.id, ord=0, text=f"chunk of document {i} " * 40, start=0, end=40))
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def count_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("source", "document", "chunk")}
    finally:
        conn.close()


def test_truncated_library_is_named_damaged_copy_kept_and_repaired(tmp_path):
    path = tmp_path / "library.sqlite3"
    filled_library(path)
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(LibraryDamaged) as err:
        Database(path)
    text = str(err.value)
    assert str(path) in text and "damaged" in text and "harvest repair" in text
    copy = Path(err.value.copy)
    assert copy.exists() and copy.stat().st_size == path.stat().st_size
    with pytest.raises(LibraryDamaged) as again:  # a second command keeps the same copy
        Database(path)
    assert again.value.copy == err.value.copy

    result = repair(path)
    rows = count_rows(path)
    assert 0 < rows["source"] < 200  # the first half was readable, the rest is gone
    assert rows["document"] > 0 and rows["chunk"] > 0
    assert result.rows["source"] == rows["source"]
    db = Database(path)
    assert db.integrity_check() == "ok"
    with db.read() as s:  # the FTS index is rebuilt from the recovered chunks
        hits = s.exec(select(m.Chunk)).all()
    assert hits
    db.close()
    assert result.damaged_copy and result.damaged_copy.exists()


def test_overwritten_page_is_found_and_repaired(tmp_path):
    path = tmp_path / "library.sqlite3"
    filled_library(path)
    conn = sqlite3.connect(path)  # a leaf page of the document table, wherever migrations put it
    pageno, pgsize = conn.execute("SELECT pageno, pgsize FROM dbstat WHERE name = 'document' AND pagetype = 'leaf' "
                                  "ORDER BY pageno LIMIT 1 OFFSET 3").fetchone()
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek(pgsize * (pageno - 1))
        fh.write(os.urandom(pgsize))
    assert quick_check(path) != "ok"
    db = Database(path)
    with pytest.raises(LibraryDamaged) as err:
        with db.read() as s:
            s.exec(select(m.DocumentRow)).all()
    db.close()
    assert "damaged" in str(err.value) and str(path) in str(err.value)
    result = repair(path)
    rows = count_rows(path)
    assert rows["source"] == 200  # one page of 4 KB lost costs a few rows at most
    assert rows["document"] >= 190
    assert quick_check(path) == "ok"
    assert "row copy" in result.method or ".recover" in result.method


def test_second_process_holding_the_write_lock(tmp_path):
    path = tmp_path / "library.sqlite3"
    Database(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); c.execute(\"INSERT INTO source(kind, location, name) VALUES ('file','x','x')\")\n"
         "print('locked', flush=True); time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        db = Database(path, lock_wait_s=1.0)
        started = time.monotonic()
        with pytest.raises(LibraryBusy, match="another Harvest is writing"):
            with db.write() as s:
                s.add(m.Source(kind="file", location="y", name="y"))
        waited = time.monotonic() - started
        assert 0.8 < waited < 10
        db.close()
    finally:
        holder.kill()
        holder.wait()
    db = Database(path, lock_wait_s=1.0)  # the lock is gone: writing works, nothing was lost
    with db.write() as s:
        s.add(m.Source(kind="file", location="y", name="y"))
    db.close()


def test_failed_statement_never_carries_the_text(tmp_path):
    db = Database(tmp_path / "library.sqlite3")
    with pytest.raises(Exception) as err:
        with db.write() as s:  # no such source: the foreign key refuses the row
            s.add(m.DocumentRow(source_id=999, text=SECRET_TEXT, structure_json="{}"))
    assert "CONFIDENTIAL" not in str(err.value)
    assert "hidden" in str(err.value)
    db.close()


def test_read_only_open_never_writes(tmp_path):
    path = tmp_path / "library.sqlite3"
    filled_library(path, 3)
    before = sorted(p.name for p in tmp_path.iterdir())
    db = Database(path, read_only=True)
    with db.read() as s:
        assert len(s.exec(select(m.Source)).all()) == 3
    db.close()
    empty = Database(tmp_path / "none" / "library.sqlite3", read_only=True)
    with empty.read() as s:
        assert s.exec(select(m.Source)).all() == []
    empty.close()
    assert not (tmp_path / "none").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == \
        [n for n in before if not n.endswith(("-wal", "-shm"))]


@pytest.mark.parametrize("content, fragment", [
    ("[]", "a list"),
    ("null", "null"),
    ('{"schema_version": "x"}', "schema_version"),
    ("\x00\x01 not json", "not valid JSON"),
    ('{"limits": {"max_file_bytes": -1, "parse_timeout_s": -5}}', "limits.max_file_bytes is -1"),
    ('{"limits": {"max_pages": true}}', "limits.max_pages is not a number"),
    ('{"limits": 7}', "limits is not a group"),
])
def test_invalid_settings_are_kept_aside_and_replaced(tmp_path, content, fragment):
    path = tmp_path / "settings.json"
    path.write_text(content)
    loaded = Settings.load(path)
    assert len(loaded.notices) == 1 and fragment in loaded.notices[0]
    assert loaded.limits.max_file_bytes > 0 and loaded.limits.parse_timeout_s > 0
    backups = list(tmp_path.glob("settings.json.invalid-*"))
    assert len(backups) == 1 and backups[0].read_text() == content
    assert isinstance(json.loads(path.read_text()), dict)  # replaced by a valid file
    assert Settings.load(path).notices == []  # said once, not on every start


def test_valid_part_of_settings_is_kept(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "dark", "limits": {"max_pages": -3, "parse_timeout_s": 12}}')
    loaded = Settings.load(path)
    assert loaded.theme == "dark" and loaded.limits.parse_timeout_s == 12
    assert loaded.limits.max_pages == Settings().limits.max_pages


def test_scrubber_removes_credentials_in_urls():
    text = "fetching https://alice:s3cr3t-pw@example.org/feed and ftp://bob@files.example.org/x"
    out = redact(text)
    assert "s3cr3t" not in out and "alice" not in out and "bob@" not in out
    assert "example.org/feed" in out
