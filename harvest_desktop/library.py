"""The pipeline orchestrator both front ends use: enqueue, harvest, generate, export.

Qt-free. Async where it waits on the network; CPU work goes to executors sized by kind:
parsing (contained workers), indexing (one thread: the embedding model), database (one writer).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sqlmodel import col, delete, select

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.core.errors import BadInput, Cancelled, KnownError
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.core.settings import Settings
from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(text: str) -> str:
    """Hash of normalised text: same words in the same order hash alike, whatever the layout."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass
class ItemResult:
    """One line of outcome per item, shown in the CLI and the Sources pane."""

    location: str
    ok: bool
    message: str
    source_id: int | None = None
    status: str = ""

    def line(self) -> str:
        mark = "ok" if self.ok else "error"
        ident = f"#{self.source_id} " if self.source_id is not None else ""
        return f"{mark}: {ident}{self.location}: {self.message}"


ItemCallback = Callable[[m.Source], None]


class Library:
    """One person's library on disk. Construct once per process (GUI) or per command (CLI)."""

    def __init__(self, db: Database | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.db = db or Database()
        self._db_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-db")
        self._index_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-index")
        self._parse_executor = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                                                  thread_name_prefix="harvest-parse")
        self._index = None
        self._web = None

    # -- services, created on first use --------------------------------------------------------
    @property
    def index(self):  # -> IndexService
        if self._index is None:
            from harvest_desktop.index.service import IndexService

            self._index = IndexService(self.db, self.settings)
        return self._index

    @property
    def web(self):  # -> WebHarvester
        if self._web is None:
            from harvest_desktop.acquire.web import WebHarvester

            self._web = WebHarvester(self.settings)
        return self._web

    async def aclose(self) -> None:
        """Close network clients on the running loop; call before close() from async front ends."""
        if self._web is not None:
            await self._web.aclose()
            self._web = None

    def close(self) -> None:
        for ex in (self._parse_executor, self._index_executor, self._db_executor):
            ex.shutdown(wait=True, cancel_futures=True)
        from harvest_desktop.acquire import sandbox

        sandbox.shutdown()
        if self._index is not None:
            self._index.close()
        self.db.close()

    # -- queries -------------------------------------------------------------------------------
    def sources(self) -> list[m.Source]:
        with self.db.read() as s:
            return list(s.exec(select(m.Source).order_by(m.Source.id)).all())

    def source(self, source_id: int) -> m.Source | None:
        with self.db.read() as s:
            return s.get(m.Source, source_id)

    def find_source(self, ref: str) -> m.Source | None:
        """Find by id (with or without '#'), exact location/URL, file name, or title."""
        ref = ref.strip()
        if ref.lstrip("#").isdigit():
            found = self.source(int(ref.lstrip("#")))
            if found:
                return found
        candidates = self.sources()
        resolved = str(Path(ref).expanduser().resolve()) if not _looks_like_url(ref) else ref
        for key in (lambda s: s.location == ref or s.location == resolved,
                    lambda s: s.final_url == ref,
                    lambda s: s.name == ref,
                    lambda s: (s.title or "") == ref,
                    lambda s: s.name.casefold() == ref.casefold()):
            hits = [s for s in candidates if key(s)]
            if hits:
                return hits[0]
        return None

    def document(self, source_id: int) -> Document | None:
        with self.db.read() as s:
            row = s.get(m.DocumentRow, source_id)
        if row is None:
            return None
        return Document.from_dict(json.loads(row.structure_json))

    def chunks(self, source_ids: Sequence[int] | None = None) -> list[m.Chunk]:
        with self.db.read() as s:
            q = select(m.Chunk).join(m.Source).where(m.Source.status == m.READY)
            if source_ids is not None:
                q = q.where(col(m.Chunk.source_id).in_(list(source_ids)))
            return list(s.exec(q.order_by(m.Chunk.source_id, m.Chunk.ord)).all())

    def outputs(self) -> list[m.Output]:
        with self.db.read() as s:
            return list(s.exec(select(m.Output).order_by(col(m.Output.id).desc())).all())

    def output(self, output_id: int) -> m.Output | None:
        with self.db.read() as s:
            return s.get(m.Output, output_id)

    # -- enqueue -------------------------------------------------------------------------------
    def enqueue(self, items: Iterable[str | Path]) -> tuple[list[m.Source], list[ItemResult]]:
        """Turn paths, folders and URLs into queued sources; problems come back as results."""
        from harvest_desktop.acquire.discover import expand_items

        queued: list[m.Source] = []
        problems: list[ItemResult] = []
        notes: list[tuple[str, str]] = []
        found, errors = expand_items(items, notes=notes)
        problems.extend(ItemResult(loc, True, msg) for loc, msg in notes)
        problems.extend(ItemResult(loc, False, msg) for loc, msg in errors)
        with self.db.write() as s:
            for kind, location, name in found:
                existing = s.exec(select(m.Source).where(m.Source.location == location)).first()
                if existing is not None:
                    if existing.status in (m.QUEUED, m.HARVESTING):
                        queued.append(existing)
                        continue
                    if kind == "file" and existing.status == m.READY and not _file_changed(existing, location):
                        problems.append(ItemResult(location, True, "already in the library, unchanged",
                                                   existing.id, existing.status))
                        continue
                    existing.status = m.QUEUED
                    existing.error = None
                    existing.updated_at = now_iso()
                    s.add(existing)
                    queued.append(existing)
                    continue
                src = m.Source(kind=kind, location=location, name=name, status=m.QUEUED,
                               added_at=now_iso(), updated_at=now_iso())
                s.add(src)
                queued.append(src)
            s.flush()
        return queued, problems

    async def expand_sections(self, items: Sequence[str], cancel: CancelToken = NEVER
                              ) -> tuple[list[str], list[ItemResult]]:
        """"Harvest this section": each URL plus the same-site pages it links to, one level down.

        Only the links are read here (under robots.txt and the rate limit); the pages themselves go
        through the normal queue, so each is harvested, resumed and reported like any other item.
        Other items pass through; a page whose links cannot be read stays in, with a problem line."""
        out: list[str] = []
        problems: list[ItemResult] = []
        from harvest_desktop.net import strip_userinfo

        for item in items:
            found = [item]  # kept as given: enqueue() drops a login and tells the person
            if _looks_like_url(item):
                item = strip_userinfo(item)[0]
                try:
                    found += await self.web.section_links(item, cancel)
                except KnownError as exc:
                    problems.append(ItemResult(item, False, f"cannot follow this section: {exc.message}"))
            out.extend(u for u in found if u not in out)
        return out, problems

    def pending(self) -> list[m.Source]:
        """Queued items, plus items a crash left half-done (they start over)."""
        with self.db.read() as s:
            return list(s.exec(select(m.Source).where(col(m.Source.status).in_([m.QUEUED, m.HARVESTING]))
                               .order_by(m.Source.id)).all())

    # -- harvest -------------------------------------------------------------------------------
    async def harvest(
        self,
        source_ids: Sequence[int] | None = None,
        *,
        cancel: CancelToken = NEVER,
        progress: ProgressFn = no_progress,
        on_item: ItemCallback | None = None,
    ) -> list[ItemResult]:
        """Harvest the given (or all pending) sources; one failure never stops the batch.

        Runs on the caller's event loop (the window's): every database call and every parse goes
        to an executor, so the loop thread only schedules work."""
        todo = await self._run(self._db_executor, self.pending)
        if source_ids is not None:
            wanted = set(source_ids)
            todo = [s for s in todo if s.id in wanted]
        total = len(todo)
        results: list[ItemResult] = []
        done = 0
        progress(Progress(0, total, f"Harvesting {total} item(s)"))
        sem = asyncio.Semaphore(max(2, self.settings.web.concurrency))

        async def one(src: m.Source) -> None:
            nonlocal done
            async with sem:
                if cancel.cancelled:
                    return
                result = await self._harvest_one(src, cancel, on_item)
                if result is None:
                    return
                results.append(result)
                done += 1
                progress(Progress(done, total, f"{src.name}: {result.message}"))

        tasks = [asyncio.ensure_future(one(src)) for src in todo]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
        order = {s.id: i for i, s in enumerate(todo)}
        results.sort(key=lambda r: order.get(r.source_id, 0))
        if cancel.cancelled:
            raise Cancelled()
        return results

    async def _run(self, executor, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def _harvest_one(self, src: m.Source, cancel: CancelToken,
                           on_item: ItemCallback | None) -> ItemResult | None:
        assert src.id is not None
        src = await self._run(self._db_executor, self._set_status, src.id, m.HARVESTING, None)
        if on_item:
            on_item(src)
        try:
            if src.kind == "url":
                doc = await self.web.fetch_document(src.location, cancel)
            else:
                from harvest_desktop.acquire.sandbox import read_file_contained

                doc = await self._run(self._parse_executor, read_file_contained, src.location,
                                      self.settings.limits)
            cancel.check()
            src, dup_of = await self._run(self._db_executor, self._store_document, src.id, doc)
            if dup_of is not None:
                result = ItemResult(src.location, True,
                                    f"duplicate of #{dup_of.id} {dup_of.name} (same text); not stored twice",
                                    src.id, src.status)
            else:
                near = await self._run(self._index_executor, self.index.add_source, src.id, cancel)
                src, other_name = await self._run(self._db_executor, self._finish_ready, src.id, near)
                msg = f"{src.title or src.name} ({_count(src)})"
                if near is not None:
                    msg += f"; similar to #{near.other_id} {other_name} ({near.similarity:.0%} similar)"
                result = ItemResult(src.location, True, msg, src.id, src.status)
        except (Cancelled, asyncio.CancelledError):
            await self._run(self._db_executor, self._set_status, src.id, m.QUEUED, None)
            return None
        except KnownError as exc:
            src = await self._run(self._db_executor, self._set_status, src.id, m.FAILED, _known_message(exc))
            result = ItemResult(src.location, False, src.error or str(exc), src.id, src.status)
        except Exception as exc:  # a reader bug must cost one item, not the batch
            log.exception("unexpected failure harvesting %s", src.location)
            msg = f"unexpected error while reading ({exc.__class__.__name__}: {exc}); see the log"
            src = await self._run(self._db_executor, self._set_status, src.id, m.FAILED, msg)
            result = ItemResult(src.location, False, msg, src.id, src.status)
        if on_item:
            on_item(src)
        return result

    def _set_status(self, source_id: int, status: str, error: str | None) -> m.Source:
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            src.status = status
            src.error = error
            src.updated_at = now_iso()
            if status == m.HARVESTING:
                src.attempts += 1
            s.add(src)
            return src

    def _store_document(self, source_id: int, doc: Document) -> tuple[m.Source, m.Source | None]:
        """Store text, structure and chunks in one transaction; exact duplicates are not stored."""
        from harvest_desktop.index.chunking import chunk_document

        digest = content_hash(doc.text)
        specs = chunk_document(doc)
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            # Stored but still being indexed counts too: two copies in one batch are still one text.
            dup = s.exec(select(m.Source).where(m.Source.content_hash == digest, m.Source.id != source_id,
                                                col(m.Source.status).in_([m.READY, m.HARVESTING]))
                         .order_by(m.Source.id)).first()
            if dup is not None and s.get(m.DocumentRow, dup.id) is None:
                dup = None  # a half-done item from a crash has no text stored: not a duplicate
            _apply_attribution(src, doc)
            src.content_hash = digest
            src.updated_at = now_iso()
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
            s.add(m.DocumentRow(source_id=source_id, text=doc.text, structure_json=json.dumps(doc.to_dict())))
            for c in specs:
                s.add(m.Chunk(source_id=source_id, ord=c.ord, text=c.text, page=c.page,
                              heading_path=" > ".join(c.heading_path), start=c.start, end=c.end,
                              page_end=c.page_end, kind=c.kind))
            s.add(src)
            return src, None

    def _finish_ready(self, source_id: int, near) -> tuple[m.Source, str]:
        """Mark ready; returns the source and the name of the source it is similar to, if any."""
        with self.db.write() as s:
            src = s.get(m.Source, source_id)
            assert src is not None
            src.status = m.READY
            src.error = None
            src.similar_to = near.other_id if near is not None else None
            src.similarity = near.similarity if near is not None else None
            src.updated_at = now_iso()
            s.add(src)
            other = s.get(m.Source, near.other_id) if near is not None else None
            return src, (other.name if other is not None else "")

    def harvest_sync(self, source_ids: Sequence[int] | None = None, **kw) -> list[ItemResult]:
        """For scripts and tests without a running loop."""
        return asyncio.run(self._harvest_and_close_web(source_ids, **kw))

    async def _harvest_and_close_web(self, source_ids, **kw) -> list[ItemResult]:
        try:
            return await self.harvest(source_ids, **kw)
        finally:
            await self.aclose()

    def remove(self, source_id: int) -> None:
        self.index.remove_source(source_id)
        with self.db.write() as s:
            s.exec(delete(m.Chunk).where(m.Chunk.source_id == source_id))
            row = s.get(m.DocumentRow, source_id)
            if row is not None:
                s.delete(row)
            src = s.get(m.Source, source_id)
            if src is not None:
                s.delete(src)

    # -- generate and export -------------------------------------------------------------------
    def analysis(self, source_id: int, cancel: CancelToken = NEVER):
        """The source's SourceAnalysis: computed once from its stored document, then kept."""
        from harvest_desktop.understand.analysis import analyze_document

        src = self.source(source_id)
        key = (source_id, src.content_hash if src is not None else None)
        cache = self.__dict__.setdefault("_analyses", {})
        if key not in cache:
            doc = self.document(source_id)
            if doc is None:
                return None
            cache[key] = analyze_document(doc, cancel=cancel)
        return cache[key]

    def _generation_input(self, source_ids: Sequence[int] | None, cancel: CancelToken):
        from harvest_desktop.formats import registry

        chunks = self.chunks(source_ids)
        if not chunks:
            raise KnownError("the library has no harvested text yet",
                             hint="add files or URLs first and wait until they are ready")
        meta = {s.id: s for s in self.sources()}
        passages = registry.to_passages(chunks, meta)
        # Generation never feeds the same passage twice: near-duplicates go, by their stored vectors.
        passages = self.index.dedup_passages(passages)
        analyses = {}
        for sid in sorted({p.source_id for p in passages}):
            a = self.analysis(sid, cancel)
            if a is not None:
                analyses[sid] = a
        return chunks, passages, analyses, meta

    def generate(self, fmt: str, *, engine: str = "builtin", source_ids: Sequence[int] | None = None,
                 cancel: CancelToken = NEVER, progress: ProgressFn = no_progress, **options) -> m.Output:
        """options: count, types (mcq,tf,cloze,matching), chapters (numbers or titles)."""
        from harvest_desktop.formats import registry

        spec = registry.get_format(fmt)
        chunks, passages, analyses, meta = self._generation_input(source_ids, cancel)
        result = registry.run(spec, engine, passages, cancel=cancel, progress=progress, analyses=analyses,
                              meta=meta, **{k: v for k, v in options.items() if v})
        cancel.check()  # a cancel pressed while the last step ran still means "keep nothing"
        out = m.Output(format=spec.key, title=result.title, engine=result.engine,
                       route_reason=result.route_reason, created_at=now_iso(),
                       content_json=json.dumps(result.content), markdown=result.markdown,
                       source_ids=json.dumps(sorted({c.source_id for c in chunks})))
        with self.db.write() as s:
            s.add(out)
        return out

    def ask(self, question: str, *, source_ids: Sequence[int] | None = None, cancel: CancelToken = NEVER):
        """A cited answer from the chosen sources, or found=False: the sources do not say."""
        from harvest_desktop.formats.answer import answer_question

        _chunks, passages, analyses, meta = self._generation_input(source_ids, cancel)
        return answer_question(question, passages, analyses=analyses, meta=meta, cancel=cancel)

    def export(self, output_id: int, path: str | Path, *, overwrite: bool = False) -> Path:
        from harvest_desktop.export import write_output

        out = self.output(output_id)
        if out is None:
            raise BadInput(f"there is no generated output #{output_id}")
        return write_output(out, Path(path), overwrite=overwrite)


def _looks_like_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _file_changed(src: m.Source, location: str) -> bool:
    try:
        st = Path(location).stat()
    except OSError:
        return True
    return src.file_size != st.st_size or src.file_mtime != st.st_mtime


def _apply_attribution(src: m.Source, doc: Document) -> None:
    a = doc.attribution
    src.title = doc.title or src.title
    src.author, src.site, src.published, src.license = a.author, a.site, a.published, a.license
    src.final_url, src.fetched_at, src.mime = a.final_url, a.fetched_at or now_iso(), a.mime
    src.pages = doc.pages
    src.char_count = len(doc.text)
    if src.kind == "file":
        try:
            st = Path(src.location).stat()
            src.file_size, src.file_mtime = st.st_size, st.st_mtime
        except OSError:
            pass


def _known_message(exc: KnownError) -> str:
    msg = exc.message
    if exc.hint:
        msg += f" ({exc.hint})"
    return msg


def _count(src: m.Source) -> str:
    parts = []
    if src.pages:
        parts.append(f"{src.pages} page{'s' if src.pages != 1 else ''}")
    parts.append(f"{src.char_count or 0:,} characters")
    return ", ".join(parts)
