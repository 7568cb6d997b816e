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


def test_concept_map_has_typed_edges_with_evidence_grouped_by_chapter(library, tmp_path):
    library.enqueue([T.write_docx(tmp_path / "ecology.docx")])
    assert all(r.ok for r in library.harvest_sync())
    analysis = library.concepts.analyse(limit=20)
    glossary = {t for t, _ in T.GLOSSARY}
    assert sum(c.term in glossary for c in analysis.concepts) >= 15
    assert analysis.relations, "the text states relations between its key concepts"
    for r in analysis.relations:
        assert r.label != "related to"
        assert r.source.lower()[:5] in r.evidence.lower() and r.target.lower()[:5] in r.evidence.lower()
        assert r.evidence in r.citation.text
    groups = {n.group for n in analysis.graph.nodes}
    assert {"Chapter 1 Ecosystems", "Chapter 2 Populations"} <= groups
    svg = tmp_path / "map.svg"
    library.concepts.write_map(analysis, svg)
    assert "<title>Chapter 1 Ecosystems</title>" in svg.read_text(encoding="utf-8")
