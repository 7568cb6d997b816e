"""SQL for the AI gateway: the answer cache and the usage ledger (all of it lives here)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Sequence

from sqlmodel import col, delete, select

from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# -- cache --------------------------------------------------------------------------------------
def cache_get_exact(db: Database, exact_key: str) -> m.AiCacheEntry | None:
    with db.read() as s:
        return s.exec(select(m.AiCacheEntry).where(m.AiCacheEntry.exact_key == exact_key)).first()


def cache_candidates(db: Database, fmt: str, source_key: str) -> list[m.AiCacheEntry]:
    """Entries for the same format and the same sources (the semantic cache compares these)."""
    with db.read() as s:
        return list(s.exec(select(m.AiCacheEntry).where(m.AiCacheEntry.format == fmt,
                                                        m.AiCacheEntry.source_key == source_key)).all())


def cache_put(db: Database, entry: m.AiCacheEntry, source_ids: Sequence[int]) -> m.AiCacheEntry:
    with db.write() as s:
        old = s.exec(select(m.AiCacheEntry).where(m.AiCacheEntry.exact_key == entry.exact_key)).first()
        if old is not None:
            s.exec(delete(m.AiCacheSource).where(m.AiCacheSource.cache_id == old.id))
            s.delete(old)
            s.flush()
        entry.created_at = entry.created_at or _now()
        entry.source_ids = json.dumps(sorted(set(int(i) for i in source_ids)))
        s.add(entry)
        s.flush()
        for sid in sorted(set(source_ids)):
            s.add(m.AiCacheSource(cache_id=entry.id, source_id=int(sid)))
        return entry


def cache_hit(db: Database, entry_id: int) -> None:
    with db.write() as s:
        row = s.get(m.AiCacheEntry, entry_id)
        if row is not None:
            row.hits += 1
            s.add(row)


def cache_drop(db: Database, entry_ids: Sequence[int]) -> int:
    if not entry_ids:
        return 0
    with db.write() as s:
        s.exec(delete(m.AiCacheSource).where(col(m.AiCacheSource.cache_id).in_(list(entry_ids))))
        res = s.exec(delete(m.AiCacheEntry).where(col(m.AiCacheEntry.id).in_(list(entry_ids))))
        return int(res.rowcount or 0)


def cache_drop_for_sources(db: Database, source_ids: Sequence[int]) -> int:
    """Forget every answer built from any of these sources (they changed or were removed)."""
    with db.read() as s:
        ids = list(s.exec(select(m.AiCacheSource.cache_id).where(
            col(m.AiCacheSource.source_id).in_([int(i) for i in source_ids]))).all())
    return cache_drop(db, sorted(set(ids)))


def cache_count(db: Database) -> int:
    with db.read() as s:
        return len(s.exec(select(m.AiCacheEntry.id)).all())


def source_hashes(db: Database, source_ids: Sequence[int]) -> list[tuple[int, str]]:
    with db.read() as s:
        rows = s.exec(select(m.Source.id, m.Source.content_hash).where(
            col(m.Source.id).in_([int(i) for i in source_ids]))).all()
    return sorted((int(i), h or "") for i, h in rows)


# -- usage ledger -------------------------------------------------------------------------------
def usage_add(db: Database, row: m.AiUsage) -> m.AiUsage:
    row.at = row.at or _now()
    with db.write() as s:
        s.add(row)
        return row


def usage_since(db: Database, since: str | None = None) -> list[m.AiUsage]:
    with db.read() as s:
        q = select(m.AiUsage)
        if since:
            q = q.where(m.AiUsage.at >= since)
        return list(s.exec(q.order_by(m.AiUsage.at, m.AiUsage.id)).all())


def spent_since(db: Database, since: str) -> float:
    """Money spent (recorded actual cost; the estimate where the actual is unknown) since a time."""
    total = 0.0
    for row in usage_since(db, since):
        if row.cached:
            continue
        cost = row.actual_cost if row.actual_cost is not None else row.estimated_cost
        total += cost or 0.0
    return total
