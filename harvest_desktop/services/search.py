"""Search: the one way both front ends find passages (keyword and semantic, blended by the index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.services.context import ServiceContext

if TYPE_CHECKING:
    from harvest_desktop.index.service import Hit


class SearchService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def passages(self, query: str, limit: int = 10, *, cancel: CancelToken = NEVER) -> list["Hit"]:
        """The best passages for `query`, best first (an empty query finds nothing)."""
        query = query.strip()
        if not query:
            return []
        hits = self._ctx.index.search(query, limit)
        cancel.check()
        return hits


def preload_model(queries: bool = False) -> None:
    """Start loading the embedding model in the background (front ends call this early);
    `queries`: only search queries will be embedded (the lighter query session is loaded)."""
    from harvest_desktop.index.embedder import preload

    preload(queries=queries)
