"""Generation reads the analysis stored for a source, and stores one it had to make."""

from __future__ import annotations

import json

from harvest_desktop.store.analyses import analysis_info, load_analyses
from harvest_desktop.understand.analysis import ANALYSIS_VERSION, SourceAnalysis
from tests import study_texts as T


def test_analysis_is_stored_once_and_read_back(library, tmp_path):
    library.enqueue([T.write_markdown(tmp_path / "ecology.md")])
    assert all(r.ok for r in library.harvest_sync())
    sid = library.sources()[0].id
    first = json.loads(library.generate("flashcards", count=5).content_json)
    assert len(analysis_info(library.db, sid)) == 1
    stored = SourceAnalysis.from_dict(load_analyses(library.db, [sid], ANALYSIS_VERSION)[sid])
    assert {g.term for g in stored.glossary} >= {t for t, _ in T.GLOSSARY}
    from harvest_desktop.library import Library

    again = Library()  # a new process-like instance: nothing cached in memory
    try:
        second = json.loads(again.generate("flashcards", count=5).content_json)
    finally:
        again.close()
    assert [c["id"] for c in first["cards"]] == [c["id"] for c in second["cards"]]
    assert len(analysis_info(library.db, sid)) == 1
