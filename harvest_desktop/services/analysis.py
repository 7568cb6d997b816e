"""Analysis once: each source's analysis is worked out when it is harvested, stored, and read back.

What generation needs from a source (its prose sentences, concepts and their mentions, definitions,
relations: understand.analysis.SourceAnalysis) costs seconds to minutes for a book, so it is done
once, on the analysis executor, right after the source's text is stored, and kept in the
`source_analysis` table under (source id, ANALYSIS_VERSION). Generation reads it from there
(understand.analysis.stored_or_new, used by generation and concepts); a source without a stored
analysis of the current version (harvested before, or by an older analyser) is analysed on first
need and stored there, so adding one source to a library never re-analyses the others.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.document import Document
from harvest_desktop.store import analyses as repo
from harvest_desktop.store.db import Database

if TYPE_CHECKING:  # pragma: no cover
    from harvest_desktop.understand.analysis import SourceAnalysis

log = logging.getLogger(__name__)


def analysis_version() -> int:
    from harvest_desktop.understand.analysis import ANALYSIS_VERSION

    return int(ANALYSIS_VERSION)


class AnalysisService:
    """Compute-and-store at harvest time (the read side is understand.analysis.stored_or_new)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()  # one analysis at a time per library: it is CPU work
        self.computed = 0  # analyses computed by this service in this process

    def analyse(self, source_id: int, doc: Document, cancel: CancelToken = NEVER,
                content_hash: str = "") -> "SourceAnalysis | None":
        """Analyse one document and store the result; None when the source was removed meanwhile."""
        from datetime import datetime, timezone

        from harvest_desktop.understand.analysis import analyze_document

        from harvest_desktop.core.gcquiet import fewer_full_collections

        with self._lock, fewer_full_collections():  # the result's many objects live until stored
            t = time.perf_counter()
            result = analyze_document(doc, cancel=cancel)
            seconds = time.perf_counter() - t
            cancel.check()
            self.computed += 1
            stored = repo.save_analysis(self.db, source_id, analysis_version(), result.to_dict(),
                                        content_hash=content_hash, seconds=seconds,
                                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        log.info("analysed source #%s in %.2f s (%d sentences, %d concepts)", source_id, seconds,
                 len(result.sentences), len(result.concepts))
        return result if stored else None

    def forget(self, source_id: int) -> None:
        repo.delete_analyses(self.db, source_id)
