"""What every service shares: the database, settings, executors, lazily built index and web client.

The library (the façade) builds one context and hands it to each service; `publish` is the
façade's bus, so a service's write is announced as soon as it is stored.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from harvest_desktop.core.priority import lower_this_thread
from harvest_desktop.core.settings import Settings
from harvest_desktop.services.changes import ChangeBus, Changes
from harvest_desktop.store.db import Database

if TYPE_CHECKING:
    from harvest_desktop.acquire.web import WebHarvester
    from harvest_desktop.index.service import IndexService
    from harvest_desktop.services.analysis import AnalysisService


class ServiceContext:
    """Executors sized by kind: parsing (contained workers), indexing (one: the model), database (one writer)."""

    def __init__(self, db: Database, settings: Settings, bus: ChangeBus) -> None:
        self.db = db
        self.settings = settings
        self.bus = bus
        self.db_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-db")
        # CPU work runs below the window's priority when the window asks for it (core/priority.py)
        self.index_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-index",
                                                 initializer=lower_this_thread)
        self.parse_executor = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                                                 thread_name_prefix="harvest-parse", initializer=lower_this_thread)
        # the per-source analysis for generation (services/analysis.py): CPU work beside the embedding
        self.analysis_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harvest-analysis",
                                                    initializer=lower_this_thread)
        self._index: IndexService | None = None
        self._analyses: AnalysisService | None = None
        self._web: WebHarvester | None = None

    def publish(self, changes: Changes) -> Changes:
        return self.bus.publish(changes)

    @property
    def index(self) -> "IndexService":
        if self._index is None:
            from harvest_desktop.index.service import IndexService

            self._index = IndexService(self.db, self.settings)
        return self._index

    @property
    def analyses(self) -> "AnalysisService":
        if self._analyses is None:
            from harvest_desktop.services.analysis import AnalysisService

            self._analyses = AnalysisService(self.db)
        return self._analyses

    @property
    def index_opened(self) -> bool:
        return self._index is not None

    @property
    def web(self) -> "WebHarvester":
        if self._web is None:
            from harvest_desktop.acquire.web import WebHarvester

            self._web = WebHarvester(self.settings)
        return self._web

    async def run(self, executor, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def aclose(self) -> None:
        if self._web is not None:
            await self._web.aclose()
            self._web = None

    def close(self) -> None:
        for ex in (self.parse_executor, self.index_executor, self.analysis_executor, self.db_executor):
            ex.shutdown(wait=True, cancel_futures=True)
        from harvest_desktop.acquire import sandbox

        sandbox.shutdown()
        if self._index is not None:
            self._index.close()
        self.db.close()
