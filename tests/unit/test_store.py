from __future__ import annotations

import sqlite3

import pytest

from harvest_desktop.core.errors import KnownError
from harvest_desktop.store import migrations
from harvest_desktop.store.db import Database
from harvest_desktop.store import models as m


def test_new_database_is_wal_and_at_current_schema(tmp_path):
    db = Database(tmp_path / "lib.sqlite3")
    conn = sqlite3.connect(db.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"source", "document", "chunk", "embedding", "output", "chunk_fts"} <= tables
    conn.close()
    db.close()


def test_reopening_does_not_reapply_migrations(tmp_path):
    path = tmp_path / "lib.sqlite3"
    db = Database(path)
    with db.write() as s:
        s.add(m.Source(kind="file", location="/x/a.md", name="a.md"))
    db.close()
    db2 = Database(path)
    with db2.read() as s:
        assert [x.name for x in s.query(m.Source).all()] == ["a.md"]
    assert db2.integrity_check() == "ok"
    db2.close()


def test_database_from_a_newer_version_is_refused_with_advice(tmp_path):
    path = tmp_path / "lib.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(KnownError) as info:
        Database(path)
    assert "newer Harvest" in str(info.value)


def test_failed_write_rolls_back(tmp_path):
    db = Database(tmp_path / "lib.sqlite3")
    with pytest.raises(RuntimeError):
        with db.write() as s:
            s.add(m.Source(kind="file", location="/x/b.md", name="b.md"))
            s.flush()
            raise RuntimeError("boom")
    with db.read() as s:
        assert s.query(m.Source).count() == 0
    db.close()


def test_fts_follows_chunk_inserts_and_deletes(tmp_path):
    db = Database(tmp_path / "lib.sqlite3")
    with db.write() as s:
        src = m.Source(kind="file", location="/x/c.md", name="c.md")
        s.add(src)
        s.flush()
        s.add(m.Chunk(source_id=src.id, ord=0, text="mitochondria make energy"))
    conn = sqlite3.connect(db.path)
    q = "SELECT count(*) FROM chunk_fts WHERE chunk_fts MATCH 'mitochondria'"
    assert conn.execute(q).fetchone()[0] == 1
    conn.execute("DELETE FROM chunk")
    conn.commit()
    assert conn.execute(q).fetchone()[0] == 0
    conn.close()
    db.close()


def test_source_analysis_rows_by_version_and_cascade(tmp_path):
    from sqlalchemy import text as sql

    from harvest_desktop.store import analyses
    from harvest_desktop.store.db import Database

    db = Database(tmp_path / "lib.sqlite3")
    with db.write() as s:
        s.exec(sql("INSERT INTO source(id, kind, location, name) VALUES (7, 'file', '/x.txt', 'x.txt')"))
    assert analyses.save_analysis(db, 7, 1, {"sentences": [["A b c.", 1, "", "", "prose", 0, 6]]})
    assert analyses.save_analysis(db, 7, 2, {"sentences": []}, seconds=1.5)
    assert not analyses.save_analysis(db, 8, 2, {"sentences": []})  # no such source
    assert analyses.load_analyses(db, [7, 8], 2) == {7: {"sentences": []}}
    assert analyses.load_analyses(db, [7], 1) == {}  # an older version is replaced, not kept
    assert [v for v, _, _ in analyses.analysis_info(db, 7)] == [2]
    with db.write() as s:
        s.exec(sql("DELETE FROM source WHERE id = 7"))
    assert analyses.load_analyses(db, [7], 2) == {}
    db.close()
