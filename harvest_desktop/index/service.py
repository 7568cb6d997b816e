"""Library-level index operations (first version: keyword search over SQLite FTS5)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text as sql

from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.settings import Settings
from harvest_desktop.store.db import Database


@dataclass
class NearDuplicate:
    source_id: int
    other_id: int
    similarity: float


@dataclass
class Hit:
    chunk_id: int
    source_id: int
    source_name: str
    page: int | None
    heading_path: str
    text: str
    score: float


class IndexService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def add_source(self, source_id: int, cancel: CancelToken) -> NearDuplicate | None:
        """Embed the source's chunks and report a near-duplicate source if one exists."""
        return None

    def remove_source(self, source_id: int) -> None:
        pass

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        terms = [t for t in re.findall(r"\w+", query) if len(t) > 1]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        with self.db.read() as s:
            rows = s.exec(sql(
                "SELECT c.id, c.source_id, s.name, c.page, c.heading_path, c.text, bm25(chunk_fts) "
                "FROM chunk_fts JOIN chunk c ON c.id = chunk_fts.rowid JOIN source s ON s.id = c.source_id "
                "WHERE chunk_fts MATCH :q ORDER BY bm25(chunk_fts) LIMIT :n"
            ).bindparams(q=match, n=limit)).all()
        return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], -float(r[6])) for r in rows]

    def close(self) -> None:
        pass
