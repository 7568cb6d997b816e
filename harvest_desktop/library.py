"""The library: a thin façade over the services both front ends call, and the bus that announces changes.

    lib = Library()
    lib.sources      # enqueue, harvest, find, remove   (services/sources.py)
    lib.concepts     # one concept pipeline and map     (services/concepts.py)
    lib.search       # one search                       (services/search.py)
    lib.generation   # make a format from sources       (services/generation.py)
    lib.exports      # write an output to a file        (services/export.py)
    lib.bus          # ChangeBus: every write publishes the Changes it made

Qt-free. The short methods below keep the first front ends' calls working; new code calls the
services.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.core.settings import Settings
from harvest_desktop.services.changes import ChangeBus, Changes
from harvest_desktop.services.concepts import ConceptsService
from harvest_desktop.services.context import ServiceContext
from harvest_desktop.services.export import ExportService
from harvest_desktop.services.generation import GenerationService
from harvest_desktop.services.search import SearchService
from harvest_desktop.services.sources import (  # noqa: F401 (re-exported for the front ends)
    Enqueued, Harvested, ItemCallback, ItemResult, SourcesService, content_hash, now_iso)
from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database


class Library:
    """One person's library on disk. Construct once per process (GUI) or per command (CLI)."""

    def __init__(self, db: Database | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        # A bounded wait for another Harvest's write; small libraries are checked for damage at open.
        self.db = db or Database(lock_wait_s=self.settings.limits.lock_wait_s, check=True)
        self.bus = ChangeBus()
        self._ctx = ServiceContext(self.db, self.settings, self.bus)
        self.sources = SourcesService(self._ctx)
        self.concepts = ConceptsService(self._ctx, self.sources)
        self.search = SearchService(self._ctx)
        self.generation = GenerationService(self._ctx, self.sources)
        self.exports = ExportService(self._ctx, self.generation)

    # -- lifetime ------------------------------------------------------------------------------
    @property
    def index(self):  # -> IndexService; front ends use lib.search, not this
        return self._ctx.index

    @property
    def web(self):  # -> WebHarvester
        return self._ctx.web

    async def aclose(self) -> None:
        """Close network clients on the running loop; call before close() from async front ends."""
        await self._ctx.aclose()

    def close(self) -> None:
        self._ctx.close()

    # -- the first front ends' calls, kept as one-line delegations ------------------------------
    def source(self, source_id: int) -> m.Source | None:
        return self.sources.get(source_id)

    def find_source(self, ref: str) -> m.Source | None:
        return self.sources.find(ref)

    def document(self, source_id: int) -> Document | None:
        return self.sources.document(source_id)

    def chunks(self, source_ids: Sequence[int] | None = None) -> list[m.Chunk]:
        return self.sources.chunks(source_ids)

    def pending(self) -> list[m.Source]:
        return self.sources.pending()

    def outputs(self) -> list[m.Output]:
        return self.generation.outputs()

    def output(self, output_id: int) -> m.Output | None:
        return self.generation.output(output_id)

    def enqueue(self, items: Iterable[str | Path]) -> Enqueued:
        return self.sources.enqueue(items)

    async def expand_sections(self, items: Sequence[str], cancel: CancelToken = NEVER
                              ) -> tuple[list[str], list[ItemResult]]:
        return await self.sources.expand_sections(items, cancel)

    async def harvest(self, source_ids: Sequence[int] | None = None, **kw) -> Harvested:
        return await self.sources.harvest(source_ids, **kw)

    def harvest_sync(self, source_ids: Sequence[int] | None = None, **kw) -> Harvested:
        return self.sources.harvest_sync(source_ids, **kw)

    def remove(self, source_id: int) -> Changes:
        return self.sources.remove(source_id)

    def analysis(self, source_id: int, cancel: CancelToken = NEVER):
        return self.generation.analysis(source_id, cancel)

    def generate(self, fmt: str, *, engine: str = "builtin", source_ids: Sequence[int] | None = None,
                 cancel: CancelToken = NEVER, progress: ProgressFn = no_progress, **options) -> m.Output:
        return self.generation.generate(fmt, engine=engine, source_ids=source_ids, cancel=cancel,
                                        progress=progress, **options).output

    def route(self, fmt: str, **kw):  # -> ai.router.Plan
        return self.generation.route(fmt, **kw)

    def ask(self, question: str, *, source_ids: Sequence[int] | None = None, cancel: CancelToken = NEVER):
        return self.generation.ask(question, source_ids=source_ids, cancel=cancel)

    def export(self, output_id: int, path: str | Path, *, overwrite: bool = False) -> Path:
        return self.exports.write(output_id, path, overwrite=overwrite)
