"""One sync: pull what changed on the server, then push what changed here, record by record.

Per-record versions: each local record knows the server version it is based on. Pull first (so a
record made on two computers before their first sync is recognised by its text and kept once),
then push in batches, each batch one transaction on the server and each change applied once
(its change_id is derived from the record, its base version and its content, so a retry after a
lost answer sends the same id). The pull cursor is saved after every page and a record is marked
pushed only after the server confirmed it, so a sync cut off anywhere (server killed, network
gone, app closed) loses nothing: the next sync picks up where this one stopped.

Conflicts (changed here and on the server since the last sync): the server's version is kept as
the current one and this computer's version is saved as a previous version (sync_previous), and
the report says so. An edit beats a deletion: a record deleted on one side and edited on the
other comes back with the edit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.services.changes import Changes
from harvest_desktop.store.db import Database
from harvest_desktop.store.sync_records import OUTPUT, SOURCE, Item, SyncRecords, payload_hash
from harvest_desktop.sync.client import HarvestAPI

BATCH_MAX_RECORDS = 100
BATCH_MAX_BYTES = 8 * 1024 * 1024
PULL_PAGE = 200


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class SyncReport:
    pushed_new: int = 0
    pushed_changed: int = 0
    pushed_deleted: int = 0
    pulled_new: int = 0
    pulled_changed: int = 0
    pulled_deleted: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    requests: int = 0
    changes: Changes = field(default_factory=Changes)

    @property
    def pushed(self) -> int:
        return self.pushed_new + self.pushed_changed + self.pushed_deleted

    @property
    def pulled(self) -> int:
        return self.pulled_new + self.pulled_changed + self.pulled_deleted

    def lines(self) -> list[str]:
        out = [f"sent {self.pushed}: {self.pushed_new} new, {self.pushed_changed} changed, {self.pushed_deleted} deleted",
               f"received {self.pulled}: {self.pulled_new} new, {self.pulled_changed} changed, "
               f"{self.pulled_deleted} deleted"]
        out += [f"conflict: {c}" for c in self.conflicts]
        out += [f"not sent: {s}" for s in self.skipped]
        return out


def change_id(uid: str, base_version: int, content: str) -> str:
    return "c" + hashlib.sha256(f"{uid}:{base_version}:{content}".encode()).hexdigest()[:39]


class SyncEngine:
    def __init__(self, db: Database, api: HarvestAPI, *, batch_records: int = BATCH_MAX_RECORDS,
                 batch_bytes: int = BATCH_MAX_BYTES) -> None:
        self.records = SyncRecords(db)
        self.api = api
        self.batch_records = max(1, batch_records)
        self.batch_bytes = batch_bytes

    def library_uid(self) -> str:
        uid = self.records.get_state("library_uid")
        if not uid:
            uid = uuid.uuid4().hex
            self.records.set_state(library_uid=uid)
        return uid

    async def run(self, *, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER) -> SyncReport:
        report = SyncReport()
        rec = self.records
        lib = self.library_uid()
        progress(Progress(0, None, "Connecting to the sync server"))
        await self.api.put_library(lib, rec.get_state("library_name") or "Harvest library")
        rec.track_new()
        await self._pull(lib, report, progress, cancel)
        await self._push(lib, report, progress, cancel)
        rec.set_state(last_sync=now_iso(), last_error=None)
        report.requests = self.api.requests
        if report.pushed or report.pulled or report.conflicts:
            report.changes = report.changes.merge(Changes(sync=True))
        else:
            report.changes = Changes(sync=True)
        return report

    # -- pull ----------------------------------------------------------------------------------------
    async def _pull(self, lib: str, report: SyncReport, progress: ProgressFn, cancel: CancelToken) -> None:
        rec = self.records
        cursor = int(rec.get_state("cursor", "0") or 0)
        tomb = {t.uid: t for t in rec.tombstones()}
        done = 0
        # Outputs are applied after every source of this pull is in, so the sources they cite resolve
        # (a source edited after an output comes later in the server's order). Until then the cursor
        # is not saved, so a sync cut off in between pulls them again.
        deferred: list[dict[str, Any]] = []
        while True:
            cancel.check()
            page = await self.api.pull(lib, since=cursor, limit=PULL_PAGE, skip_own=True)
            changes = [r for r in page["changes"] if r["kind"] == SOURCE]
            deferred += [r for r in page["changes"] if r["kind"] != SOURCE]
            self._take_page(changes, tomb, report)
            done += len(page["changes"])
            cursor = int(page["cursor"])
            if not deferred:
                rec.set_state(cursor=str(cursor))  # saved per page: a sync cut off resumes from here
            progress(Progress(done, None, f"Received {done} change(s)"))
            if not page["more"]:
                break
        if deferred:
            self._take_page(deferred, tomb, report)
            rec.set_state(cursor=str(cursor))

    def _take_page(self, changes: list[dict[str, Any]], tomb: dict, report: SyncReport) -> None:
        rec = self.records
        known = rec.items_by_uid(r["uid"] for r in changes)
        fresh = [r for r in changes
                 if r["uid"] not in known and r["uid"] not in tomb and not r["deleted"] and r.get("payload")]
        if fresh:  # records never seen here: one transaction for the lot
            applied = rec.apply_new([(r["kind"], r["uid"], int(r["version"]), r["payload"]) for r in fresh], now_iso())
            for kind, local_id, adopted in applied:
                if adopted:
                    report.pulled_changed += 1
                else:
                    report.pulled_new += 1
                self._note(report, kind, local_id, "changed" if adopted else "added")
        fresh_uids = {r["uid"] for r in fresh}
        for r in changes:
            if r["uid"] not in fresh_uids:
                self._take(r, tomb, report)

    def _take(self, r: dict[str, Any], tomb: dict, report: SyncReport) -> None:
        """Bring one server record into the library (or note the conflict)."""
        rec = self.records
        kind, uid, version, payload = r["kind"], r["uid"], int(r["version"]), r.get("payload")
        deleted = bool(r["deleted"])
        item = rec.item_by_uid(uid)
        now = now_iso()
        if item is None:
            t = tomb.get(uid)
            if t is not None:
                if deleted or version <= t.version:
                    if deleted:
                        rec.drop_tombstone(uid)
                    return
                # Deleted here, edited on another computer: the edit wins, the record comes back.
                rec.drop_tombstone(uid)
                tomb.pop(uid, None)
                local_id = rec.apply(kind, uid, version, payload, now)
                report.conflicts.append(f"{_title(payload)}: deleted here but edited on another computer; "
                                        f"the edited version is back")
                self._note(report, kind, local_id, "added")
                return
            if deleted:
                return
            if kind == SOURCE:
                twin = rec.unsynced_source_with_hash(((payload or {}).get("source") or {}).get("content_hash") or "")
                if twin is not None:  # harvested on both computers before the first sync: keep one
                    rec.adopt(twin, uid, version, "")
            existed = rec.item_by_uid(uid) is not None
            local_id = rec.apply(kind, uid, version, payload, now)
            report.pulled_new += 0 if existed else 1
            report.pulled_changed += 1 if existed else 0
            self._note(report, kind, local_id, "changed" if existed else "added")
            return
        if item.version >= version:
            return  # our own push coming back, or older than what we have
        local_dirty = item.dirty and self._local_hash(item) not in (None, item.pushed_hash)
        if deleted:
            if local_dirty:
                rec.set_version(uid, version)  # pushed on top of the deletion: the edit wins
                report.conflicts.append(f"{self._local_title(item)}: deleted on another computer but edited here; "
                                        f"kept, and sent back to the server")
                return
            rec.apply(kind, uid, version, None, now)
            report.pulled_deleted += 1
            self._note(report, kind, item.local_id, "removed")
            return
        if local_dirty:
            mine = rec.payload(item)
            if mine is not None:
                rec.keep_previous(kind, uid, item.local_id, item.version, mine,
                                  "changed here and on another computer; the server's version was kept", now)
                report.conflicts.append(f"{_title(mine)}: changed here and on another computer; the other "
                                        f"version is kept and yours is saved as a previous version")
        local_id = rec.apply(kind, uid, version, payload, now)
        report.pulled_changed += 1
        self._note(report, kind, local_id, "changed")

    def _local_hash(self, item: Item) -> str | None:
        payload = self.records.payload(item)
        return payload_hash(payload) if payload is not None else None

    def _local_title(self, item: Item) -> str:
        return _title(self.records.payload(item))

    @staticmethod
    def _note(report: SyncReport, kind: str, local_id: int | None, what: str) -> None:
        if local_id is None:
            return
        key = f"{'sources' if kind == SOURCE else 'outputs'}_{what}"
        extra = Changes(**{key: {local_id}}, concepts=(kind == SOURCE))
        report.changes = report.changes.merge(extra)

    # -- push ----------------------------------------------------------------------------------------
    async def _push(self, lib: str, report: SyncReport, progress: ProgressFn, cancel: CancelToken) -> None:
        rec = self.records
        dirty = rec.items(dirty_only=True)
        tombstones = []
        for t in rec.tombstones():
            if t.version == 0:
                rec.drop_tombstone(t.uid)  # never reached the server: nothing to delete there
            else:
                tombstones.append(t)
        total = len(dirty) + len(tombstones)
        sent = 0
        for batch in self._batches(dirty, tombstones):  # payloads are read batch by batch, not all at once
            cancel.check()
            ids = [c["change_id"] for c, _ in batch]
            key = "b" + hashlib.sha256(":".join(ids).encode()).hexdigest()[:39]
            answer = await self.api.push(lib, [c for c, _ in batch], idempotency_key=key)
            by_id = {r["change_id"]: r for r in answer["results"]}
            confirmed: list[tuple[str, int, str]] = []
            for change, what in batch:
                self._settle(change, what, by_id.get(change["change_id"]), report, confirmed)
            rec.mark_pushed_many(confirmed)
            sent += len(batch)
            progress(Progress(sent, total, f"Sent {sent} of {total} change(s)"))

    def _changes(self, dirty: list[Item], tombstones: list) -> Iterator[tuple[dict[str, Any], Any]]:
        rec = self.records
        for start in range(0, len(dirty), 50):
            part = dirty[start:start + 50]
            yield from self._item_changes(part, rec.payloads(part))
        for t in tombstones:
            yield ({"change_id": change_id(t.uid, t.version, "deleted"), "kind": t.kind, "uid": t.uid,
                    "base_version": t.version, "deleted": True}, t)

    def _item_changes(self, items: list[Item], payloads: list) -> Iterator[tuple[dict[str, Any], Any]]:
        rec = self.records
        for item, payload in zip(items, payloads):
            if payload is None:
                rec.mark_clean(item.uid)  # not syncable now (being harvested again, failed): later
                continue
            h = payload_hash(payload)
            if h == item.pushed_hash:
                rec.mark_clean(item.uid)  # touched but not changed (a status flip)
                continue
            yield ({"change_id": change_id(item.uid, item.version, h), "kind": item.kind, "uid": item.uid,
                    "base_version": item.version, "deleted": False, "payload": payload}, (item, h))

    def _batches(self, dirty: list[Item], tombstones: list):
        batch: list[tuple[dict[str, Any], Any]] = []
        size = 0
        for entry in self._changes(dirty, tombstones):
            n = len(json.dumps(entry[0], ensure_ascii=False))
            if batch and (len(batch) >= self.batch_records or size + n > self.batch_bytes):
                yield batch
                batch, size = [], 0
            batch.append(entry)
            size += n
        if batch:
            yield batch

    def _settle(self, change: dict[str, Any], what: Any, result: dict[str, Any] | None, report: SyncReport,
                confirmed: list[tuple[str, int, str]]) -> None:
        rec = self.records
        if result is None:
            return  # not answered: stays pending for the next sync
        uid = change["uid"]
        if result["status"] in ("applied", "duplicate"):
            if change["deleted"]:
                rec.drop_tombstone(uid)
                report.pushed_deleted += 1
            else:
                item, h = what
                confirmed.append((uid, int(result["version"]), h))
                if item.version == 0:
                    report.pushed_new += 1
                else:
                    report.pushed_changed += 1
            return
        current = result.get("current")  # conflict: someone pushed first
        if change["deleted"]:
            rec.drop_tombstone(uid)
            if current and not current["deleted"]:
                local_id = rec.apply(current["kind"], uid, int(current["version"]), current.get("payload"), now_iso())
                report.conflicts.append(f"{_title(current.get('payload'))}: deleted here but edited on another "
                                        f"computer; the edited version is back")
                self._note(report, current["kind"], local_id, "added")
            return
        if current is None:
            return
        self._take(current, {}, report)


def _title(payload: dict[str, Any] | None) -> str:
    if not payload:
        return "a record"
    p = payload.get("source") or payload.get("output") or {}
    return str(p.get("title") or p.get("name") or "a record")
