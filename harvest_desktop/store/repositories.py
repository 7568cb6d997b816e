"""Every query the services make, in one place: sources, documents, chunks, outputs.

Each function is one short transaction on the library's `Database` (one writer, readers on their
own sessions). Rows come back detached (expire_on_commit=False), safe to hand to any thread.
"""

from __future__ import annotations

import json
from typing import Callable, Sequence

from sqlmodel import col, delete, select

from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database

# The near-duplicate decisions a person can make (stored on the source for "keep both").
KEEP_BOTH = "keep-both"


class SourceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads ---------------------------------------------------------------------------------
    def all(self) -> list[m.Source]:
        with self.db.read() as s:
            return list(s.exec(select(m.Source).order_by(m.Source.id)).all())

    def get(self, source_id: int) -> m.Source | None:
        with self.db.read() as s:
            return s.get(m.Source, source_id)

    def by_status(self, statuses: Sequence[str]) -> list[m.Source]:
        with self.db.read() as s:
            return list(s.exec(select(m.Source).where(col(m.Source.status).in_(list(statuses)))
                               .order_by(m.Source.id)).all())

    def document_structure(self, source_id: int) -> dict | None:
        with self.db.read() as s:
            row = s.get(m.DocumentRow, source_id)
        return json.loads(row.structure_json) if row is not None else None

    def ready_chunks(self, source_ids: Sequence[int] | None = None) -> list[m.Chunk]:
        with self.db.read() as s:
            q = select(m.Chunk).join(m.Source).where(m.Source.status == m.READY)
            if source_ids is not None:
                q = q.where(col(m.Chunk.source_id).in_(list(source_ids)))
            return list(s.exec(q.order_by(m.Chunk.source_id, m.Chunk.ord)).all())

    # -- writes --------------------------------------------------------------------------------
    def enqueue(self, found: Sequence[tuple[str, str, str]], now: str,
                is_unchanged: Callable[[m.Source, str], bool]
                ) -> tuple[list[m.Source], list[m.Source], list[m.Source], list[m.Source]]:
        """Queue (kind, location, name) items in one transaction.

        Returns (queued, added, requeued, unchanged): a known file whose size and time have not
        changed (`is_unchanged`) is left as it is; an item already queued is queued once."""
        queued: list[m.Source] = []
        added: list[m.Source] = []
        requeued: list[m.Source] = []
        unchanged: list[m.Source] = []
        with self.db.write() as s:
            for kind, location, name in found:
                existing = s.exec(select(m.Source).where(m.Source.location == location)).first()
                if existing is not None:
                    if existing.status in (m.QUEUED, m.HARVESTING):
                        queued.append(existing)
                        continue
                    if kind == "file" and existing.status == m.READY and is_unchanged(existing, location):
                        unchanged.append(existing)
                        continue
                    existing.status = m.QUEUED
                    existing.error = None
                    existing.updated_at = now
                    s.add(existing)
                    queued.append(existing)
                    requeued.append(existing)
                    continue
                src = m.Source(kind=kind, location=location, name=name, status=m.QUEUED, added_at=now,
                               updated_at=now)
                s.add(src)
                queued.append(src)
                added.append(src)
            s.flush()
        return queued, added, requeued, unchanged

    def set_status(self, source_id: int, status: str, error: str | None, now: str) -> m.Source:
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            src.status = status
            src.error = error
            src.updated_at = now
            if status == m.HARVESTING:
                src.attempts += 1
            s.add(src)
            return src

    def store_document(self, source_id: int, digest: str, structure: dict, text: str, chunks: Sequence,
                       apply: Callable[[m.Source], None], now: str) -> tuple[m.Source, m.Source | None]:
        """Store text, structure and chunks in one transaction; an exact duplicate is marked, not stored."""
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            # Stored but still being indexed counts too: two copies in one batch are still one text.
            dup = s.exec(select(m.Source).where(m.Source.content_hash == digest, m.Source.id != source_id,
                                                col(m.Source.status).in_([m.READY, m.HARVESTING]))
                         .order_by(m.Source.id)).first()
            if dup is not None and s.get(m.DocumentRow, dup.id) is None:
                dup = None  # a half-done item from a crash has no text stored: not a duplicate
            apply(src)
            src.content_hash = digest
            src.updated_at = now
            s.exec(delete(m.Chunk).where(m.Chunk.source_id == source_id))
            old = s.get(m.DocumentRow, source_id)
            if old is not None:
                s.delete(old)
            if dup is not None:
                src.status = m.DUPLICATE
                src.duplicate_of = dup.id
                src.error = None
                s.add(src)
                return src, dup
            s.add(m.DocumentRow(source_id=source_id, text=text, structure_json=json.dumps(structure)))
            for c in chunks:
                s.add(m.Chunk(source_id=source_id, ord=c.ord, text=c.text, page=c.page,
                              heading_path=" > ".join(c.heading_path), start=c.start, end=c.end,
                              page_end=c.page_end, kind=c.kind))
            s.add(src)
            return src, None

    def mark_ready(self, source_id: int, similar_to: int | None, similarity: float | None,
                   now: str) -> tuple[m.Source, m.Source | None]:
        """Mark ready with its nearest similar source (if any); returns it and that other source."""
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            src.status = m.READY
            src.error = None
            if src.similar_to != similar_to:
                src.similar_decision = None  # a decision about another pair does not carry over
            src.similar_to = similar_to
            src.similarity = similarity
            src.updated_at = now
            s.add(src)
            other = s.get(m.Source, similar_to) if similar_to is not None else None
            return src, other

    def set_similar_decision(self, source_ids: Sequence[int], decision: str | None, now: str) -> list[int]:
        """Record a near-duplicate decision on these sources; returns the ids that exist."""
        done: list[int] = []
        with self.db.write() as s:
            for sid in source_ids:
                src = s.get(m.Source, sid)
                if src is None:
                    continue
                src.similar_decision = decision
                src.updated_at = now
                s.add(src)
                done.append(sid)
        return done

    def delete(self, source_id: int) -> list[int]:
        """Delete a source, its text and chunks; returns the ids of sources that pointed at it."""
        with self.db.write() as s:
            pointing = [x.id for x in s.exec(select(m.Source).where(
                (m.Source.similar_to == source_id) | (m.Source.duplicate_of == source_id))).all()]
            s.exec(delete(m.Chunk).where(m.Chunk.source_id == source_id))
            row = s.get(m.DocumentRow, source_id)
            if row is not None:
                s.delete(row)
            src = s.get(m.Source, source_id)
            if src is not None:
                s.delete(src)
        return [i for i in pointing if i is not None and i != source_id]


class OutputRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[m.Output]:
        with self.db.read() as s:
            return list(s.exec(select(m.Output).order_by(col(m.Output.id).desc())).all())

    def get(self, output_id: int) -> m.Output | None:
        with self.db.read() as s:
            return s.get(m.Output, output_id)

    def add(self, out: m.Output) -> m.Output:
        with self.db.write() as s:
            s.add(out)
            s.flush()
        return out

    # -- versions -------------------------------------------------------------------------------
    _FIELDS = ("title", "engine", "route_reason", "created_at", "content_json", "markdown")

    def versions(self, output_id: int) -> list[m.OutputVersion]:
        """Every version, oldest first; the last is the output as it is now (numbered after the kept
        ones when it was changed elsewhere, e.g. by a sync, since the last version was kept)."""
        with self.db.read() as s:
            out = s.get(m.Output, output_id)
            if out is None:
                return []
            kept = list(s.exec(select(m.OutputVersion).where(m.OutputVersion.output_id == output_id)
                               .order_by(col(m.OutputVersion.number))).all())
        if not kept or not _same(kept[-1], out):
            kept.append(_as_version(out, (kept[-1].number + 1) if kept else 1, "made" if not kept else "changed"))
        return kept

    def new_version(self, output_id: int, fields: dict, note: str, at: str = "") -> tuple[m.Output, m.OutputVersion] | None:
        """Keep the output as it is (if not kept yet), then make `fields` its current version; one
        transaction. None when there is no such output."""
        with self.db.write() as s:
            out = s.get(m.Output, output_id)
            if out is None:
                return None
            kept = list(s.exec(select(m.OutputVersion).where(m.OutputVersion.output_id == output_id)
                               .order_by(col(m.OutputVersion.number))).all())
            number = kept[-1].number if kept else 0
            if not kept or not _same(kept[-1], out):
                number += 1
                s.add(_as_version(out, number, "made" if not kept else "changed"))
            for name in self._FIELDS:
                if name in fields:
                    setattr(out, name, fields[name])
            version = _as_version(out, number + 1, note)
            version.created_at = at or out.created_at
            s.add(out)
            s.add(version)
            s.flush()
        return out, version


def _same(v: m.OutputVersion, out: m.Output) -> bool:
    return v.content_json == out.content_json and v.title == out.title and v.markdown == out.markdown


def _as_version(out: m.Output, number: int, note: str) -> m.OutputVersion:
    assert out.id is not None
    return m.OutputVersion(output_id=out.id, number=number, title=out.title, engine=out.engine,
                           route_reason=out.route_reason, created_at=out.created_at,
                           content_json=out.content_json, markdown=out.markdown, note=note)
