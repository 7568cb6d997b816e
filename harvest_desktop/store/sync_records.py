"""Local bookkeeping for sync with a Harvest server (tables of migration 6); all of sync's SQL.

A synced record (a ready source with its text, structure, chunks and analysis; or a generated
output) has a global uid and the server version this copy is based on. Triggers in the schema mark
it dirty when it changes and leave a tombstone when it is deleted. A record's payload is a plain
dict made from an allow-list of columns: nothing else in the library (and nothing from the
keyring) can ever reach a sync request.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import text as sql

from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database

SOURCE, OUTPUT = "source", "output"
KINDS = (SOURCE, OUTPUT)

# The source columns that travel (local ids such as duplicate_of/similar_to do not: they mean
# nothing on another computer; file size/mtime are this computer's).
SOURCE_FIELDS = ("kind", "location", "name", "content_hash", "title", "author", "site", "published", "license",
                 "final_url", "fetched_at", "mime", "pages", "char_count", "added_at", "updated_at")
CHUNK_FIELDS = ("ord", "text", "page", "page_end", "heading_path", "start", "end", "kind")
OUTPUT_FIELDS = ("format", "title", "engine", "route_reason", "created_at", "content_json", "markdown")


def payload_hash(payload: dict[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class Item:
    kind: str
    local_id: int
    uid: str
    version: int
    dirty: bool
    pushed_hash: str


@dataclass
class Tombstone:
    kind: str
    uid: str
    version: int


@dataclass
class Previous:
    id: int
    kind: str
    uid: str
    local_id: int | None
    version: int
    reason: str
    saved_at: str
    payload: dict[str, Any]

    @property
    def title(self) -> str:
        p = self.payload.get("source") or self.payload.get("output") or {}
        return str(p.get("title") or p.get("name") or self.uid)


class SyncRecords:
    """Everything sync reads and writes in the local library, one short transaction per call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- state -----------------------------------------------------------------------------------
    def state(self) -> dict[str, str]:
        with self.db.read() as s:
            return {r[0]: r[1] for r in s.exec(sql("SELECT name, value FROM sync_state")).all()}

    def get_state(self, name: str, default: str = "") -> str:
        return self.state().get(name, default)

    def set_state(self, **values: str | None) -> None:
        with self.db.write() as s:
            for name, value in values.items():
                if value is None:
                    s.exec(sql("DELETE FROM sync_state WHERE name = :n").bindparams(n=name))
                else:
                    s.exec(sql("INSERT OR REPLACE INTO sync_state(name, value) VALUES (:n, :v)")
                           .bindparams(n=name, v=str(value)))

    def forget_server_state(self) -> None:
        """Mirroring another library or server: everything here is new there, nothing is pulled yet."""
        with self.db.write() as s:
            s.exec(sql("UPDATE sync_item SET version = 0, dirty = 1, pushed_hash = ''"))
            s.exec(sql("DELETE FROM sync_tombstone"))
            s.exec(sql("DELETE FROM sync_state WHERE name IN ('cursor', 'last_sync')"))

    # -- what there is to push ---------------------------------------------------------------------
    def track_new(self) -> int:
        """Give every syncable record without a uid one (ready sources with text, all outputs)."""
        with self.db.write() as s:
            srcs = s.exec(sql(
                "SELECT s.id FROM source s JOIN document d ON d.source_id = s.id WHERE s.status = :r "
                "AND NOT EXISTS (SELECT 1 FROM sync_item i WHERE i.kind = 'source' AND i.local_id = s.id)")
                .bindparams(r=m.READY)).all()
            outs = s.exec(sql("SELECT o.id FROM output o WHERE NOT EXISTS "
                              "(SELECT 1 FROM sync_item i WHERE i.kind = 'output' AND i.local_id = o.id)")).all()
            rows = [(SOURCE, r[0]) for r in srcs] + [(OUTPUT, r[0]) for r in outs]
            for kind, local_id in rows:
                s.exec(sql("INSERT INTO sync_item(kind, local_id, uid, version, dirty) VALUES (:k, :l, :u, 0, 1)")
                       .bindparams(k=kind, l=local_id, u=uuid.uuid4().hex))
        return len(rows)

    def items(self, dirty_only: bool = False) -> list[Item]:
        q = "SELECT kind, local_id, uid, version, dirty, pushed_hash FROM sync_item"
        if dirty_only:
            q += " WHERE dirty = 1"
        with self.db.read() as s:
            return [Item(r[0], int(r[1]), r[2], int(r[3]), bool(r[4]), r[5])
                    for r in s.exec(sql(q + " ORDER BY kind DESC, local_id")).all()]

    def item_by_uid(self, uid: str) -> Item | None:
        with self.db.read() as s:
            r = s.exec(sql("SELECT kind, local_id, uid, version, dirty, pushed_hash FROM sync_item WHERE uid = :u")
                       .bindparams(u=uid)).first()
        return Item(r[0], int(r[1]), r[2], int(r[3]), bool(r[4]), r[5]) if r else None

    def tombstones(self) -> list[Tombstone]:
        with self.db.read() as s:
            return [Tombstone(r[0], r[1], int(r[2])) for r in
                    s.exec(sql("SELECT kind, uid, version FROM sync_tombstone ORDER BY deleted_at, uid")).all()]

    def pending_count(self) -> int:
        """Records changed or deleted here and not yet on the server (new ones included)."""
        with self.db.read() as s:
            dirty = s.exec(sql("SELECT count(*) FROM sync_item WHERE dirty = 1")).one()[0]
            gone = s.exec(sql("SELECT count(*) FROM sync_tombstone")).one()[0]
            new_s = s.exec(sql(
                "SELECT count(*) FROM source s JOIN document d ON d.source_id = s.id WHERE s.status = :r AND "
                "NOT EXISTS (SELECT 1 FROM sync_item i WHERE i.kind = 'source' AND i.local_id = s.id)")
                .bindparams(r=m.READY)).one()[0]
            new_o = s.exec(sql("SELECT count(*) FROM output o WHERE NOT EXISTS "
                               "(SELECT 1 FROM sync_item i WHERE i.kind = 'output' AND i.local_id = o.id)")).one()[0]
        return int(dirty) + int(gone) + int(new_s) + int(new_o)

    # -- payloads ----------------------------------------------------------------------------------
    def payload(self, item: Item) -> dict[str, Any] | None:
        """The record as it travels, or None when it is not (or no longer) syncable."""
        return self.payloads([item])[0]

    def payloads(self, items: list[Item]) -> list[dict[str, Any] | None]:
        """Payloads of several records read in one session (plain SQL: this is the hot path of a sync)."""
        out: list[dict[str, Any] | None] = []
        with self.db.read() as s:
            raw = s.connection().connection.driver_connection  # sqlite3: no ORM cost per statement
            for item in items:
                if item.kind == SOURCE:
                    out.append(self._source_payload(raw, item.local_id))
                else:
                    out.append(None)
        return [p if item.kind == SOURCE else self._output_payload(item.local_id) for item, p in zip(items, out)]

    @staticmethod
    def _source_payload(raw, source_id: int) -> dict[str, Any] | None:
        cols = ", ".join(SOURCE_FIELDS)
        src = raw.execute(f"SELECT status, {cols} FROM source WHERE id = ?", (source_id,)).fetchone()
        if src is None or src[0] != m.READY:
            return None
        doc = raw.execute("SELECT text, structure_json FROM document WHERE source_id = ?", (source_id,)).fetchone()
        if doc is None:
            return None
        chunks = raw.execute('SELECT ord, text, page, page_end, heading_path, start, "end", kind FROM chunk '
                             "WHERE source_id = ? ORDER BY ord", (source_id,)).fetchall()
        analysis = raw.execute("SELECT version, content_hash, data_json FROM source_analysis WHERE source_id = ? "
                               "ORDER BY version DESC LIMIT 1", (source_id,)).fetchone()
        out: dict[str, Any] = {
            "source": dict(zip(SOURCE_FIELDS, src[1:])),
            "text": doc[0],
            "structure": json.loads(doc[1]),
            "chunks": [dict(zip(CHUNK_FIELDS, r)) for r in chunks],
        }
        if analysis is not None:
            out["analysis"] = {"version": int(analysis[0]), "content_hash": analysis[1],
                               "data": json.loads(analysis[2])}
        return out

    def _output_payload(self, output_id: int) -> dict[str, Any] | None:
        with self.db.read() as s:
            out = s.get(m.Output, output_id)
            if out is None:
                return None
            local_ids = [int(i) for i in json.loads(out.source_ids or "[]") if isinstance(i, int)]
            uids = self._uids_for(s, SOURCE, local_ids)
        return {"output": {f: getattr(out, f) for f in OUTPUT_FIELDS},
                "source_uids": [uids[i] for i in local_ids if i in uids],
                # content_json cites sources by this computer's ids; the map lets the other side translate
                "source_id_map": {str(i): uids[i] for i in local_ids if i in uids}}

    @staticmethod
    def _uids_for(s, kind: str, local_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted({int(i) for i in local_ids})
        if not ids:
            return {}
        marks = ",".join(str(i) for i in ids)  # ints only
        return {int(r[0]): r[1] for r in s.exec(sql(
            f"SELECT local_id, uid FROM sync_item WHERE kind = :k AND local_id IN ({marks})").bindparams(k=kind)).all()}

    # -- after a push ------------------------------------------------------------------------------
    def mark_pushed(self, uid: str, version: int, pushed_hash: str) -> None:
        with self.db.write() as s:
            s.exec(sql("UPDATE sync_item SET version = :v, pushed_hash = :h, dirty = 0 WHERE uid = :u")
                   .bindparams(v=version, h=pushed_hash, u=uid))

    def mark_clean(self, uid: str) -> None:
        with self.db.write() as s:
            s.exec(sql("UPDATE sync_item SET dirty = 0 WHERE uid = :u").bindparams(u=uid))

    def set_version(self, uid: str, version: int) -> None:
        """Rebase a local edit on a newer server version (it is pushed on top of it)."""
        with self.db.write() as s:
            s.exec(sql("UPDATE sync_item SET version = :v, dirty = 1 WHERE uid = :u").bindparams(v=version, u=uid))

    def drop_tombstone(self, uid: str) -> None:
        with self.db.write() as s:
            s.exec(sql("DELETE FROM sync_tombstone WHERE uid = :u").bindparams(u=uid))

    def adopt(self, item: Item, uid: str, version: int, pushed_hash: str) -> None:
        """A record made here before the first sync is the same as one on the server: take its uid."""
        with self.db.write() as s:
            s.exec(sql("UPDATE sync_item SET uid = :u, version = :v, pushed_hash = :h, dirty = 0 "
                       "WHERE kind = :k AND local_id = :l")
                   .bindparams(u=uid, v=version, h=pushed_hash, k=item.kind, l=item.local_id))

    def unsynced_source_with_hash(self, content_hash: str) -> Item | None:
        """A local source with this text that the server has never seen (version 0)."""
        if not content_hash:
            return None
        with self.db.read() as s:
            r = s.exec(sql("SELECT i.kind, i.local_id, i.uid, i.version, i.dirty, i.pushed_hash FROM sync_item i "
                           "JOIN source s ON s.id = i.local_id WHERE i.kind = 'source' AND i.version = 0 "
                           "AND s.content_hash = :h LIMIT 1").bindparams(h=content_hash)).first()
        return Item(r[0], int(r[1]), r[2], int(r[3]), bool(r[4]), r[5]) if r else None

    # -- applying what was pulled ------------------------------------------------------------------
    def items_by_uid(self, uids: Iterable[str]) -> dict[str, Item]:
        uids = list(uids)
        out: dict[str, Item] = {}
        with self.db.read() as s:
            for start in range(0, len(uids), 500):
                part = uids[start:start + 500]
                marks = ",".join(f":u{i}" for i in range(len(part)))
                rows = s.exec(sql(f"SELECT kind, local_id, uid, version, dirty, pushed_hash FROM sync_item "
                                  f"WHERE uid IN ({marks})").bindparams(**{f"u{i}": u for i, u in enumerate(part)})).all()
                for r in rows:
                    out[r[2]] = Item(r[0], int(r[1]), r[2], int(r[3]), bool(r[4]), r[5])
        return out

    def mark_pushed_many(self, done: Iterable[tuple[str, int, str]]) -> None:
        """(uid, version, pushed_hash) for each record the server confirmed, in one transaction."""
        with self.db.write() as s:
            for uid, version, h in done:
                s.exec(sql("UPDATE sync_item SET version = :v, pushed_hash = :h, dirty = 0 WHERE uid = :u")
                       .bindparams(v=version, h=h, u=uid))

    def apply_new(self, records: list[tuple[str, str, int, dict[str, Any]]], now: str) -> list[tuple[str, int, bool]]:
        """Records this library has never seen, stored in one transaction; a source whose text is
        already here unsynced (harvested on both computers before the first sync) takes the server's
        uid instead of being stored twice. Returns (kind, local id, adopted) per record."""
        out: list[tuple[str, int, bool]] = []
        with self.db.write() as s:
            for kind, uid, version, payload in records:
                adopted = False
                if kind == SOURCE:
                    h = ((payload or {}).get("source") or {}).get("content_hash") or ""
                    twin = s.exec(sql("SELECT i.local_id FROM sync_item i JOIN source s ON s.id = i.local_id "
                                      "WHERE i.kind = 'source' AND i.version = 0 AND s.content_hash = :h LIMIT 1")
                                  .bindparams(h=h)).first() if h else None
                    if twin is not None:
                        s.exec(sql("UPDATE sync_item SET uid = :u WHERE kind = 'source' AND local_id = :l")
                               .bindparams(u=uid, l=int(twin[0])))
                        adopted = True
                out.append((kind, self._apply_in(s, kind, uid, version, payload, now), adopted))
        return out

    def apply(self, kind: str, uid: str, version: int, payload: dict[str, Any] | None, now: str) -> int | None:
        """Store the server's version of a record (None payload: it was deleted); returns the local id."""
        with self.db.write() as s:
            return self._apply_in(s, kind, uid, version, payload, now)

    def _apply_in(self, s, kind: str, uid: str, version: int, payload: dict[str, Any] | None, now: str) -> int | None:
        r = s.exec(sql("SELECT local_id FROM sync_item WHERE uid = :u").bindparams(u=uid)).first()
        local_id = int(r[0]) if r else None
        if payload is None:
            if local_id is not None:
                self._delete_local(s, kind, local_id)
                s.exec(sql("DELETE FROM sync_tombstone WHERE uid = :u").bindparams(u=uid))
            return local_id
        if kind == SOURCE:
            local_id = self._apply_source(s, local_id, payload, now)
        else:
            local_id = self._apply_output(s, local_id, payload)
        if r is None:
            s.exec(sql("INSERT INTO sync_item(kind, local_id, uid, version, dirty, pushed_hash) "
                       "VALUES (:k, :l, :u, :v, 0, :h)")
                   .bindparams(k=kind, l=local_id, u=uid, v=version, h=payload_hash(payload)))
        else:
            s.exec(sql("UPDATE sync_item SET version = :v, dirty = 0, pushed_hash = :h WHERE uid = :u")
                   .bindparams(v=version, h=payload_hash(payload), u=uid))
        return local_id

    @staticmethod
    def _delete_local(s, kind: str, local_id: int) -> None:
        if kind == SOURCE:
            s.exec(sql("UPDATE source SET similar_to = NULL WHERE similar_to = :i").bindparams(i=local_id))
            s.exec(sql("DELETE FROM chunk WHERE source_id = :i").bindparams(i=local_id))
            s.exec(sql("DELETE FROM document WHERE source_id = :i").bindparams(i=local_id))
            s.exec(sql("DELETE FROM source_analysis WHERE source_id = :i").bindparams(i=local_id))
            s.exec(sql("DELETE FROM source WHERE id = :i").bindparams(i=local_id))
            _index_changed(s)
        else:
            s.exec(sql("DELETE FROM output WHERE id = :i").bindparams(i=local_id))

    @staticmethod
    def _apply_source(s, local_id: int | None, payload: dict[str, Any], now: str) -> int:
        fields = {f: payload["source"].get(f) for f in SOURCE_FIELDS}
        fields["kind"] = fields["kind"] if fields["kind"] in ("file", "url") else "file"
        src = s.get(m.Source, local_id) if local_id is not None else None
        if src is None:
            src = m.Source(**{k: v for k, v in fields.items() if v is not None})
        else:
            for k, v in fields.items():
                setattr(src, k, v)
        src.status, src.error = m.READY, None
        src.updated_at = fields.get("updated_at") or now
        src.added_at = fields.get("added_at") or now
        s.add(src)
        s.flush()
        sid = int(src.id)
        s.exec(sql("DELETE FROM chunk WHERE source_id = :i").bindparams(i=sid))
        s.exec(sql("DELETE FROM document WHERE source_id = :i").bindparams(i=sid))
        s.add(m.DocumentRow(source_id=sid, text=str(payload.get("text", "")),
                            structure_json=json.dumps(payload.get("structure") or {})))
        for c in payload.get("chunks") or []:
            s.add(m.Chunk(source_id=sid, ord=int(c.get("ord", 0)), text=str(c.get("text", "")), page=c.get("page"),
                          page_end=c.get("page_end"), heading_path=str(c.get("heading_path") or ""),
                          start=int(c.get("start") or 0), end=int(c.get("end") or 0),
                          kind=str(c.get("kind") or "text")))
        analysis = payload.get("analysis")
        s.exec(sql("DELETE FROM source_analysis WHERE source_id = :i").bindparams(i=sid))
        if isinstance(analysis, dict) and "data" in analysis:
            s.exec(sql("INSERT INTO source_analysis(source_id, version, content_hash, created_at, seconds, data_json) "
                       "VALUES (:s, :v, :h, :c, 0, :d)")
                   .bindparams(s=sid, v=int(analysis.get("version", 0)), h=str(analysis.get("content_hash", "")),
                               c=now, d=json.dumps(analysis["data"], ensure_ascii=False)))
        _index_changed(s)
        return sid

    def _apply_output(self, s, local_id: int | None, payload: dict[str, Any]) -> int:
        fields = {f: payload["output"].get(f) for f in OUTPUT_FIELDS}
        id_map = {str(k): v for k, v in (payload.get("source_id_map") or {}).items()}
        uids = list(payload.get("source_uids") or [])
        rows = s.exec(sql("SELECT uid, local_id FROM sync_item WHERE kind = 'source'")).all() if uids else []
        local_of = {r[0]: int(r[1]) for r in rows}
        source_ids = [local_of[u] for u in uids if u in local_of]
        remap = {int(k): local_of[u] for k, u in id_map.items() if u in local_of and k.lstrip("-").isdigit()}
        content = fields.get("content_json") or "{}"
        if remap:
            content = json.dumps(_remap_source_ids(json.loads(content), remap), ensure_ascii=False)
        out = s.get(m.Output, local_id) if local_id is not None else None
        if out is None:
            out = m.Output(format=fields["format"] or "", title=fields["title"] or "", engine=fields["engine"] or "")
        for k, v in fields.items():
            if v is not None:
                setattr(out, k, v)
        out.content_json = content
        out.source_ids = json.dumps(source_ids)
        s.add(out)
        s.flush()
        return int(out.id)

    # -- conflicts ---------------------------------------------------------------------------------
    def keep_previous(self, kind: str, uid: str, local_id: int | None, version: int, payload: dict[str, Any],
                      reason: str, now: str) -> int:
        with self.db.write() as s:
            s.exec(sql("INSERT INTO sync_previous(kind, uid, local_id, version, reason, saved_at, payload_json) "
                       "VALUES (:k, :u, :l, :v, :r, :t, :p)")
                   .bindparams(k=kind, u=uid, l=local_id, v=version, r=reason, t=now,
                               p=json.dumps(payload, ensure_ascii=False)))
            return int(s.exec(sql("SELECT last_insert_rowid()")).one()[0])

    def previous_versions(self, uid: str | None = None) -> list[Previous]:
        q = "SELECT id, kind, uid, local_id, version, reason, saved_at, payload_json FROM sync_previous"
        with self.db.read() as s:
            rows = s.exec(sql(q + (" WHERE uid = :u" if uid else "") + " ORDER BY id")
                          .bindparams(**({"u": uid} if uid else {}))).all()
        return [Previous(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], json.loads(r[7])) for r in rows]


def _index_changed(s) -> None:
    """Chunks changed outside the index service: its saved FAISS file no longer vouches for the DB."""
    s.exec(sql("INSERT OR REPLACE INTO index_state(name, value) VALUES ('faiss_token', 'changing')"))


def _remap_source_ids(value: Any, remap: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {k: (remap.get(v, v) if k == "source_id" and isinstance(v, int) else _remap_source_ids(v, remap))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_remap_source_ids(v, remap) for v in value]
    return value
