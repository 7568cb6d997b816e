"""The harvest pipeline after a source's text is stored: guard, embed + index, analyse + store.

- The big-source guard (index/guard.py) refuses a text that is one phrase repeated, with its
  reason, before any of the costly steps.
- Embedding runs on the one index executor in slices of SLICE chunks. Each slice is a separate
  job on that executor's queue, so while a big book is embedded the items behind it get their
  turns between its slices instead of waiting for the whole book.
- The analysis (services/analysis.py) runs on its own executor at the same time as the
  embedding: onnxruntime works outside the GIL, the analyser is Python, so on two cores the two
  overlap; the item is ready when both are done.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document

if TYPE_CHECKING:  # pragma: no cover
    from harvest_desktop.index.service import IndexService, NearDuplicate
    from harvest_desktop.services.analysis import AnalysisService

log = logging.getLogger(__name__)

SLICE = 128  # chunks per embedding job: ~1-3 s of work, so a small item waits at most that long

Run = Callable[..., Awaitable[Any]]


async def _run(executor: Executor, fn, *args, **kw):
    return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args, **kw))


def check_document(doc: Document, name: str = "") -> None:
    """The big-source guard; raises BadInput with the reason."""
    from harvest_desktop.index.guard import check_text

    check_text(doc.text, name)


def prepare_document(doc: Document, name: str = "") -> tuple[str, list]:
    """The guard, then the text's hash and its chunks: CPU work done before the database write."""
    from harvest_desktop.index.chunking import chunk_document
    from harvest_desktop.core.hashing import content_hash

    check_document(doc, name)
    return content_hash(doc.text), chunk_document(doc)


async def embed_and_index(index: "IndexService", index_executor: Executor, source_id: int,
                          cancel: CancelToken = NEVER,
                          on_slice: Callable[[int, int], None] | None = None) -> "NearDuplicate | None":
    """Embed the source's stored chunks slice by slice on the index executor, then index them."""
    import numpy as np

    from harvest_desktop.index.embedder import DIM, embed_texts

    ids, texts = await _run(index_executor, index.source_chunks, source_id)
    if not ids:
        return None
    parts = []
    for start in range(0, len(texts), SLICE):
        cancel.check()
        if on_slice is not None:  # (chunks embedded, chunks in all): the window shows it with time left
            on_slice(start, len(texts))
        parts.append(await _run(index_executor, embed_texts, texts[start:start + SLICE], cancel=cancel))
    vecs = np.concatenate(parts) if parts else np.zeros((0, DIM), dtype=np.float32)
    cancel.check()
    return await _run(index_executor, index.add_vectors, source_id, ids, texts, vecs, cancel)


async def index_and_analyse(index: "IndexService", index_executor: Executor,
                            analysis: "AnalysisService | None", analysis_executor: Executor | None,
                            source_id: int, doc: Document, cancel: CancelToken = NEVER,
                            content_hash: str = "",
                            on_slice: Callable[[int, int], None] | None = None) -> "NearDuplicate | None":
    """Both post-storage steps of one item, side by side; returns the near-duplicate report."""
    embed = asyncio.ensure_future(embed_and_index(index, index_executor, source_id, cancel, on_slice))
    if analysis is None or analysis_executor is None:
        return await embed
    analyse = asyncio.ensure_future(_analyse(analysis, analysis_executor, source_id, doc, cancel, content_hash))
    try:
        near, _ = await asyncio.gather(embed, analyse)
    except BaseException:
        for t in (embed, analyse):
            t.cancel()
        raise
    return near


async def _analyse(analysis: "AnalysisService", executor: Executor, source_id: int, doc: Document,
                   cancel: CancelToken, content_hash: str) -> None:
    """A failing analyser costs the stored analysis, not the item: generation makes it again on need."""
    from harvest_desktop.core.errors import Cancelled

    try:
        await _run(executor, analysis.analyse, source_id, doc, cancel, content_hash)
    except (Cancelled, asyncio.CancelledError):
        raise
    except Exception:
        log.exception("analysing source #%s failed; it will be analysed when a format needs it", source_id)
