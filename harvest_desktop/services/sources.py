"""Sources and harvesting: enqueue, harvest, find, remove. Both front ends call these."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.core.hashing import content_hash  # noqa: F401 (re-exported)
from harvest_desktop.core.errors import BadInput, Cancelled, KnownError, StorageError
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.services.changes import Changes
from harvest_desktop.services.context import ServiceContext
from harvest_desktop.store import models as m
from harvest_desktop.store.db import is_storage_oserror, storage_error
from harvest_desktop.store.repositories import KEEP_BOTH, SourceRepository

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ItemResult:
    """One line of outcome per item, shown in the CLI and the Sources pane."""

    location: str
    ok: bool
    message: str
    source_id: int | None = None
    status: str = ""

    def line(self) -> str:
        """One printable line: a newline or bad bytes in a name cannot forge another line."""
        from harvest_desktop.acquire.files import display_name

        mark = "ok" if self.ok else "error"
        ident = f"#{self.source_id} " if self.source_id is not None else ""
        return f"{mark}: {ident}{display_name(self.location)}: {display_name(self.message)}"


@dataclass
class Enqueued:
    """Queued sources, problem lines, and what changed; unpacks as `queued, problems`."""

    queued: list[m.Source]
    problems: list[ItemResult]
    changes: Changes = field(default_factory=Changes)

    def __iter__(self) -> Iterator:
        return iter((self.queued, self.problems))


class Harvested(list):
    """The harvest's result lines (a list of ItemResult) plus `.changes`, all sources it touched."""

    changes: Changes

    def __init__(self, results: Iterable[ItemResult] = (), changes: Changes | None = None) -> None:
        super().__init__(results)
        self.changes = changes or Changes()


ItemCallback = Callable[[m.Source], None]

SKIP, KEEP_NEWER = "skip", "keep-newer"
DECISIONS = (KEEP_BOTH, SKIP, KEEP_NEWER)


class SourcesService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._repo = SourceRepository(ctx.db)

    # -- queries -------------------------------------------------------------------------------
    def __call__(self) -> list[m.Source]:
        """`lib.sources()` still lists every source (the form the first front ends used)."""
        return self.all()

    def all(self) -> list[m.Source]:
        return self._repo.all()

    def get(self, source_id: int) -> m.Source | None:
        return self._repo.get(source_id)

    def find(self, ref: str) -> m.Source | None:
        """Find by id (with or without '#'), exact location/URL, file name, or title."""
        ref = ref.strip()
        if ref.lstrip("#").isdigit():
            found = self.get(int(ref.lstrip("#")))
            if found:
                return found
        candidates = self.all()
        resolved = str(Path(ref).expanduser().resolve()) if not looks_like_url(ref) else ref
        for key in (lambda s: s.location == ref or s.location == resolved,
                    lambda s: s.final_url == ref,
                    lambda s: s.name == ref,
                    lambda s: (s.title or "") == ref,
                    lambda s: s.name.casefold() == ref.casefold()):
            hits = [s for s in candidates if key(s)]
            if hits:
                return hits[0]
        return None

    def resolve(self, refs: Sequence[str]) -> list[int]:
        """Ids for sources named by id, name, title or URL; an unknown name is a KnownError."""
        ids: list[int] = []
        for ref in refs:
            src = self.find(ref)
            if src is None or src.id is None:
                raise KnownError(f"no source matches '{ref}'", hint="`harvest list` shows ids, names and URLs")
            if src.id not in ids:
                ids.append(src.id)
        return ids

    def document(self, source_id: int) -> Document | None:
        data = self._repo.document_structure(source_id)
        return Document.from_dict(data) if data is not None else None

    def chunks(self, source_ids: Sequence[int] | None = None) -> list[m.Chunk]:
        return self._repo.ready_chunks(source_ids)

    def pending(self) -> list[m.Source]:
        """Queued items, plus items a crash left half-done (they start over)."""
        return self._repo.by_status([m.QUEUED, m.HARVESTING])

    # -- enqueue -------------------------------------------------------------------------------
    def enqueue(self, items: Iterable[str | Path]) -> Enqueued:
        """Turn paths, folders and URLs into queued sources; problems come back as results."""
        from harvest_desktop.acquire.discover import expand_items

        problems: list[ItemResult] = []
        notes: list[tuple[str, str]] = []
        found, errors = expand_items(items, notes=notes)
        problems.extend(ItemResult(loc, True, msg) for loc, msg in notes)
        problems.extend(ItemResult(loc, False, msg) for loc, msg in errors)
        queued, added, requeued, unchanged = self._repo.enqueue(
            found, now_iso(), lambda src, location: not _file_changed(src, location))
        problems.extend(ItemResult(x.location, True, "already in the library, unchanged", x.id, x.status)
                        for x in unchanged)
        changes = Changes(sources_added={x.id for x in added}, sources_changed={x.id for x in requeued})
        return Enqueued(queued, problems, self._ctx.publish(changes))

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
            if looks_like_url(item):
                item = strip_userinfo(item)[0]
                try:
                    found += await self._ctx.web.section_links(item, cancel)
                except KnownError as exc:
                    problems.append(ItemResult(item, False, f"cannot follow this section: {exc.message}"))
            out.extend(u for u in found if u not in out)
        return out, problems

    # -- harvest -------------------------------------------------------------------------------
    async def harvest(
        self,
        source_ids: Sequence[int] | None = None,
        *,
        cancel: CancelToken = NEVER,
        progress: ProgressFn = no_progress,
        on_item: ItemCallback | None = None,
        on_cancel: str = m.QUEUED,
    ) -> Harvested:
        """Harvest the given (or all pending) sources; one failure never stops the batch.

        Runs on the caller's event loop (the window's): every database call and every parse goes
        to an executor, so the loop thread only schedules work. Each status change is published
        as it is stored. On a cancel the items not finished take the status `on_cancel`: queued
        (the next harvest resumes them) or cancelled (they wait for the person's Resume)."""
        ctx = self._ctx
        todo = await ctx.run(ctx.db_executor, self.pending)
        if source_ids is not None:
            wanted = set(source_ids)
            todo = [s for s in todo if s.id in wanted]
        total = len(todo)
        results: list[ItemResult] = []
        done = 0
        progress(Progress(0, total, f"Harvesting {total} item{'' if total == 1 else 's'}"))
        sem = asyncio.Semaphore(max(2, ctx.settings.web.concurrency))

        fault: list[StorageError] = []  # the disk filled up, the library broke: stop starting items

        async def one(src: m.Source) -> None:
            nonlocal done
            async with sem:
                if cancel.cancelled or fault:
                    return
                try:
                    # stop waiting as soon as the token is cancelled: a parse or an embedding slice
                    # in flight is abandoned (and told to stop), not waited for
                    result = await _unless_cancelled(self._harvest_one(src, cancel, on_item, progress, total),
                                                     cancel)
                except Cancelled:
                    return
                except StorageError as exc:
                    fault.append(exc)
                    return
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
        if fault:
            # One line for the fault; the items not finished stay queued and resume next time.
            exc = fault[0]
            left = total - len(results)
            exc.hint = (exc.hint + "; " if exc.hint else "") + (
                f"{left} item{'s' if left != 1 else ''} not finished stay queued and resume on the next harvest")
            exc.partial_results = Harvested(results, Changes(sources_changed={s.id for s in todo if s.id}))
            raise exc
        if cancel.cancelled:
            if on_cancel != m.QUEUED:
                finished = {r.source_id for r in results}
                left = [s.id for s in todo if s.id is not None and s.id not in finished]
                await ctx.run(ctx.db_executor, self._mark_unfinished, left, on_cancel)
            raise Cancelled()
        return Harvested(results, Changes(sources_changed={s.id for s in todo if s.id is not None}))

    def _mark_unfinished(self, source_ids: Sequence[int], status: str) -> None:
        for sid in source_ids:
            src = self._repo.get(sid)
            if src is not None and src.status in (m.QUEUED, m.HARVESTING):
                self._set_status(sid, status, None)

    async def _harvest_one(self, src: m.Source, cancel: CancelToken,
                           on_item: ItemCallback | None, progress: ProgressFn = no_progress,
                           items: int = 1) -> ItemResult | None:
        assert src.id is not None
        ctx = self._ctx
        src = await ctx.run(ctx.db_executor, self._set_status, src.id, m.HARVESTING, None)
        if on_item:
            on_item(src)
        name = src.name
        prefix = f"{name}: " if items > 1 else ""

        def embedded(done: int, total: int) -> None:
            progress(Progress(done, total, f"{prefix}Embedding {done:,}/{total:,} chunks"))

        try:
            progress(Progress(0, None, f"Reading {name}"))
            if src.kind == "url":
                doc = await _unless_cancelled(ctx.web.fetch_document(src.location, cancel), cancel)
            else:
                from harvest_desktop.acquire.sandbox import read_file_contained

                def pages(done: int, total: int, what: str) -> None:  # from the reader's process, as it reads
                    verb = "OCR of scanned page" if what == "OCR" else "page"
                    progress(Progress(done, total, f"{prefix}Reading {name}: {verb} {min(done + 1, total):,} "
                                                   f"of {total:,}" if done < total else
                                                   f"{prefix}Reading {name}: {total:,} pages read"))

                doc = await ctx.run(ctx.parse_executor, read_file_contained, src.location, ctx.settings.limits,
                                    cancel, pages)
            cancel.check()
            pages = f" ({doc.pages:,} pages)" if getattr(doc, "pages", None) else ""
            progress(Progress(0, None, f"{prefix}Analysing the text{pages}"))
            from harvest_desktop.services.indexing import index_and_analyse, prepare_document

            # guard (a text of one repeated phrase is refused), hash and chunks: CPU work, off the DB writer
            prepared = await ctx.run(ctx.parse_executor, prepare_document, doc, src.name)
            src, dup_of = await ctx.run(ctx.db_executor, self._store_document, src.id, doc, prepared)
            if dup_of is not None:
                result = ItemResult(src.location, True,
                                    f"duplicate of #{dup_of.id} {dup_of.name} (same text); not stored twice",
                                    src.id, src.status)
            else:
                # embedding in slices on the index executor (items behind a big book get turns),
                # the analysis for generation on its own executor, side by side
                near = await index_and_analyse(ctx.index, ctx.index_executor, ctx.analyses, ctx.analysis_executor,
                                               src.id, doc, cancel, src.content_hash or "", on_slice=embedded)
                src, other_name = await ctx.run(ctx.db_executor, self._finish_ready, src.id, near)
                msg = f"{src.title or src.name} ({_count(src)})"
                if near is not None:
                    msg += f"; similar to #{near.other_id} {other_name} ({near.similarity:.0%} similar)"
                result = ItemResult(src.location, True, msg, src.id, src.status)
        except (Cancelled, asyncio.CancelledError):
            await ctx.run(ctx.db_executor, self._set_status, src.id, m.QUEUED, None)
            return None
        except StorageError:
            await self._back_to_queue(src.id)
            raise
        except OSError as exc:
            if not is_storage_oserror(exc):
                raise
            await self._back_to_queue(src.id)
            raise storage_error(exc, ctx.db.path) from None
        except KnownError as exc:
            src = await ctx.run(ctx.db_executor, self._set_status, src.id, m.FAILED, _known_message(exc))
            result = ItemResult(src.location, False, src.error or str(exc), src.id, src.status)
        except Exception as exc:  # a reader bug must cost one item, not the batch
            # Never the exception's message: it may quote the document. The log gets the traceback
            # with messages cut short, as crash reports do.
            from harvest_desktop.core.crash import format_traceback

            log.error("unexpected failure harvesting %s\n%s", src.location,
                      format_traceback(type(exc), exc, exc.__traceback__))
            msg = f"unexpected error while reading ({exc.__class__.__name__}); see the log"
            src = await ctx.run(ctx.db_executor, self._set_status, src.id, m.FAILED, msg)
            result = ItemResult(src.location, False, msg, src.id, src.status)
        if on_item:
            on_item(src)
        return result

    async def _back_to_queue(self, source_id: int) -> None:
        """After a storage fault: queued again if the library still takes the write (else it is
        'harvesting', which the next harvest resumes all the same)."""
        try:
            await self._ctx.run(self._ctx.db_executor, self._set_status, source_id, m.QUEUED, None)
        except (StorageError, OSError):
            pass

    def _set_status(self, source_id: int, status: str, error: str | None) -> m.Source:
        src = self._repo.set_status(source_id, status, error, now_iso())
        self._ctx.publish(Changes(sources_changed={source_id}))
        return src

    def _store_document(self, source_id: int, doc: Document,
                        prepared: tuple[str, list] | None = None) -> tuple[m.Source, m.Source | None]:
        """Store text, structure and chunks in one transaction; exact duplicates are not stored."""
        from harvest_desktop.index.chunking import chunk_document

        digest, specs = prepared if prepared is not None else (content_hash(doc.text), chunk_document(doc))
        result = self._repo.store_document(source_id, digest, doc.to_dict(), doc.text,
                                           specs, lambda src: _apply_attribution(src, doc),
                                           now_iso())
        self._ctx.publish(Changes(sources_changed={source_id}))
        return result

    def _finish_ready(self, source_id: int, near) -> tuple[m.Source, str]:
        """Mark ready; returns the source and the name of the source it is similar to, if any."""
        src, other = self._repo.mark_ready(source_id, near.other_id if near is not None else None,
                                           near.similarity if near is not None else None, now_iso())
        self._ctx.publish(Changes(sources_changed={source_id}, concepts=True))
        return src, (other.name if other is not None else "")

    def harvest_sync(self, source_ids: Sequence[int] | None = None, **kw) -> Harvested:
        """For scripts and tests without a running loop."""
        return asyncio.run(self._harvest_and_close_web(source_ids, **kw))

    async def _harvest_and_close_web(self, source_ids, **kw) -> Harvested:
        try:
            return await self.harvest(source_ids, **kw)
        finally:
            await self._ctx.aclose()

    def retry(self, source_id: int) -> Changes:
        """Queue a failed or cancelled source again (the next harvest reads it afresh): Retry, Resume."""
        self._set_status(source_id, m.QUEUED, None)
        return Changes(sources_changed={source_id})

    def resume(self, source_ids: Sequence[int] | None = None) -> tuple[list[int], list[str]]:
        """Queue cancelled items again so a harvest reads them: every unfinished one (cancelled,
        queued, or left half-done), or the given ones (a failed one named is tried again).
        Returns the ids to harvest and one line for each named item that needs nothing."""
        if source_ids is None:
            todo = self._repo.by_status([m.CANCELLED, m.QUEUED, m.HARVESTING])
        else:
            todo, notes = [], []
            for sid in source_ids:
                src = self.get(sid)
                if src is None:
                    continue
                if src.status in (m.CANCELLED, m.FAILED, m.QUEUED, m.HARVESTING):
                    todo.append(src)
                else:
                    notes.append(ItemResult(src.location, True, f"nothing to resume ({src.status})",
                                            src.id, src.status).line())
        for src in todo:
            if src.status in (m.CANCELLED, m.FAILED) and src.id is not None:
                self._set_status(src.id, m.QUEUED, None)
        ids = [s.id for s in todo if s.id is not None]
        return ids, ([] if source_ids is None else notes)

    # -- remove and decide ---------------------------------------------------------------------
    def remove(self, source_id: int) -> Changes:
        """Remove a source, its text, chunks and vectors."""
        self._ctx.index.remove_source(source_id)
        pointing = self._repo.delete(source_id)
        return self._ctx.publish(Changes(sources_removed={source_id}, sources_changed=set(pointing),
                                         concepts=True))

    def decide_similar(self, source_id: int, decision: str) -> Changes:
        """The person's answer to "this source is very similar to that one".

        keep-both: keep both and stop flagging the pair (stored, so every front end shows it);
        skip: remove this source; keep-newer: remove whichever of the two was added first."""
        src = self.get(source_id)
        if src is None:
            raise BadInput(f"there is no source #{source_id}")
        if decision == SKIP:
            return self.remove(source_id)
        if src.similar_to is None:
            raise BadInput(f"#{source_id} {src.name} is not flagged as similar to another source")
        if decision == KEEP_NEWER:
            return self.remove(min(source_id, src.similar_to))  # ids grow with the time a source was added
        if decision == KEEP_BOTH:
            done = self._repo.set_similar_decision([source_id, src.similar_to], KEEP_BOTH, now_iso())
            return self._ctx.publish(Changes(sources_changed=set(done)))
        raise BadInput(f"unknown decision '{decision}' (use one of: {', '.join(DECISIONS)})")


async def _unless_cancelled(coro, cancel: CancelToken, poll: float = 0.1):
    """Await `coro`, but stop waiting as soon as the token is cancelled (a stalled server must
    not hold a Ctrl+C or the window's Cancel until its timeout)."""
    task = asyncio.ensure_future(coro)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll)
            if done:
                return task.result()
            if cancel.cancelled:
                raise Cancelled()
    finally:
        if not task.done():
            task.cancel()
            try:
                await task
            except BaseException:  # its cancellation (or a late error) is no longer anyone's business
                pass


def looks_like_url(text: str) -> bool:
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
