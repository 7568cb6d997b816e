"""The stored per-source analysis (table source_analysis): one JSON row per source and version."""

from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import text as sql

from harvest_desktop.store.db import Database


def save_analysis(db: Database, source_id: int, version: int, data: dict[str, Any], *,
                  content_hash: str = "", created_at: str = "", seconds: float = 0.0) -> bool:
    """Store (or replace) a source's analysis; False when the source is gone meanwhile."""
    payload = dumps_in_pieces(data)
    with db.write() as s:
        if s.exec(sql("SELECT 1 FROM source WHERE id = :s").bindparams(s=source_id)).first() is None:
            return False
        s.exec(sql("DELETE FROM source_analysis WHERE source_id = :s AND version != :v")
               .bindparams(s=source_id, v=version))
        s.exec(sql("INSERT OR REPLACE INTO source_analysis(source_id, version, content_hash, created_at, "
                   "seconds, data_json) VALUES (:s, :v, :h, :c, :t, :d)")
               .bindparams(s=source_id, v=version, h=content_hash, c=created_at, t=float(seconds), d=payload))
    return True


def dumps_in_pieces(data: Any, big: int = 256) -> str:
    """json.dumps(data, ensure_ascii=False, separators=(",", ":")), made from many small calls.

    json's C encoder holds the GIL for a whole call: one call over a book's analysis (megabytes)
    stopped every thread, the window's included, for a quarter second and more."""
    if isinstance(data, dict) and all(isinstance(k, str) for k in data):
        return "{" + ",".join(_dump(k) + ":" + dumps_in_pieces(v, big) for k, v in data.items()) + "}"
    if isinstance(data, (list, tuple)) and len(data) > big:
        return "[" + ",".join(dumps_in_pieces(v, big) for v in data) + "]"
    return _dump(data)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_analyses(db: Database, source_ids: Sequence[int], version: int) -> dict[int, dict[str, Any]]:
    """Stored analyses of the given version, by source id (sources without one are absent)."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted({int(i) for i in source_ids})
    with db.read() as s:
        for start in range(0, len(ids), 900):
            marks = ",".join(str(i) for i in ids[start:start + 900])  # ints only, never user text
            for sid, data in s.exec(sql(f"SELECT source_id, data_json FROM source_analysis "
                                        f"WHERE version = :v AND source_id IN ({marks})")
                                    .bindparams(v=version)).all():
                out[int(sid)] = json.loads(data)
    return out


def analysis_info(db: Database, source_id: int) -> list[tuple[int, str, float]]:
    """(version, created_at, seconds) rows stored for a source; for tests and diagnostics."""
    with db.read() as s:
        return [(int(r[0]), r[1], float(r[2])) for r in
                s.exec(sql("SELECT version, created_at, seconds FROM source_analysis WHERE source_id = :s "
                           "ORDER BY version").bindparams(s=source_id)).all()]


def delete_analyses(db: Database, source_id: int) -> None:
    with db.write() as s:
        s.exec(sql("DELETE FROM source_analysis WHERE source_id = :s").bindparams(s=source_id))


def stored_hash(db: Database, source_id: int, version: int) -> str | None:
    """The content hash the stored analysis was made from (None: no analysis of that version)."""
    with db.read() as s:
        row = s.exec(sql("SELECT content_hash FROM source_analysis WHERE source_id = :s AND version = :v")
                     .bindparams(s=source_id, v=version)).first()
    return None if row is None else row[0]
