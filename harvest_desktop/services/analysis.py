"""Analysis once: each source's analysis is worked out when it is harvested, stored, and read back.

What generation needs from a source (its prose sentences, concepts and their mentions, definitions,
relations: understand.analysis.SourceAnalysis) costs seconds to minutes for a book, so it is done
once, on the analysis executor, right after the source's text is stored, and kept in the
`source_analysis` table under (source id, ANALYSIS_VERSION). Generation reads it from there
(`AnalysisService.for_sources`); a source without a stored analysis of the current version (harvested
before, or by an older analyser) is analysed on first need and stored, so adding one source to a
library never re-analyses the others.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Callable, Sequence

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
    """Compute-and-store at harvest time; load (or fill in) at generation time."""

    def __init__(self, db: Database, load_document: Callable[[int], Document | None] | None = None) -> None:
        self.db = db
        self._load_document = load_document or self._stored_document
        self._lock = threading.Lock()  # one analysis at a time per library: it is CPU work
        self.computed = 0  # analyses computed by this process (tests check a re-run computes none)

    def analyse(self, source_id: int, doc: Document, cancel: CancelToken = NEVER,
                content_hash: str = "") -> "SourceAnalysis | None":
        """Analyse one document and store the result; None when the source was removed meanwhile."""
        from harvest_desktop.understand.analysis import analyze_document

        with self._lock:
            t = time.perf_counter()
            result = analyze_document(doc, cancel=cancel)
            seconds = time.perf_counter() - t
            cancel.check()
            self.computed += 1
        from datetime import datetime, timezone

        stored = repo.save_analysis(self.db, source_id, analysis_version(), result.to_dict(),
                                    content_hash=content_hash, seconds=seconds,
                                    created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        log.info("analysed source #%s in %.2f s (%d sentences, %d concepts)", source_id, seconds,
                 len(result.sentences), len(result.concepts))
        return result if stored else None

    def for_sources(self, source_ids: Sequence[int], cancel: CancelToken = NEVER,
                    hashes: dict[int, str] | None = None) -> dict[int, "SourceAnalysis"]:
        """The stored analyses of these sources; any missing, of an older version, or made from
        other text than the source's current content hash (`hashes`) is made now and stored."""
        from harvest_desktop.understand.analysis import SourceAnalysis

        version = analysis_version()
        stored = repo.load_analyses(self.db, source_ids, version)
        out: dict[int, SourceAnalysis] = {}
        for sid in source_ids:
            sid = int(sid)
            data = stored.get(sid)
            want = (hashes or {}).get(sid, "")
            if data is not None and want:
                had = repo.stored_hash(self.db, sid, version)
                if had and had != want:
                    data = None  # the source's text changed since: analyse the new text
            if data is not None:
                try:
                    out[sid] = SourceAnalysis.from_dict(data)
                    continue
                except Exception:  # a damaged row is derived data: make it again
                    log.warning("stored analysis of source #%s unreadable; analysing again", sid, exc_info=True)
            cancel.check()
            doc = self._load_document(sid)
            if doc is None:
                continue
            made = self.analyse(sid, doc, cancel, want)
            if made is not None:
                out[sid] = made
        return out

    def _stored_document(self, source_id: int) -> Document | None:
        import json

        from harvest_desktop.store import models as m

        with self.db.read() as s:
            row = s.get(m.DocumentRow, source_id)
            src = s.get(m.Source, source_id)
        if row is None or src is None or src.status != m.READY:
            return None
        return Document.from_dict(json.loads(row.structure_json))

    def forget(self, source_id: int) -> None:
        repo.delete_analyses(self.db, source_id)
