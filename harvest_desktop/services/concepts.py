"""Concepts: the one pipeline (passages -> concepts -> relations -> laid-out map) both front ends use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import BadInput
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress
from harvest_desktop.services.context import ServiceContext

if TYPE_CHECKING:
    from harvest_desktop.understand.concept_map import ConceptGraph
    from harvest_desktop.understand.concepts import Concept
    from harvest_desktop.understand.relations import Relation

MAP_SUFFIXES = (".png", ".svg")


@dataclass
class ConceptAnalysis:
    """Concepts (ranked, with definitions and citations), their relations and the map's layout."""

    concepts: list["Concept"] = field(default_factory=list)
    relations: list["Relation"] = field(default_factory=list)
    graph: "ConceptGraph | None" = None
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.concepts)


class ConceptsService:
    def __init__(self, ctx: ServiceContext, sources) -> None:
        self._ctx = ctx
        self._sources = sources

    def passages(self, source_ids: Sequence[int] | None = None):
        from harvest_desktop.formats.registry import to_passages

        return to_passages(self._sources.chunks(source_ids), {s.id: s for s in self._sources.all()})

    def analyse(self, *, limit: int = 20, source_ids: Sequence[int] | None = None,
                cancel: CancelToken = NEVER, progress: ProgressFn = no_progress) -> ConceptAnalysis:
        """Key concepts of the ready sources (or those in `source_ids`), the relations the text
        states between them (typed, each with its evidence sentence), and where to draw them,
        grouped by chapter. Read from the analysis stored for each source."""
        from harvest_desktop.formats.material import build_material
        from harvest_desktop.understand.analysis import stored_or_new
        from harvest_desktop.understand.concept_map import build_graph
        from harvest_desktop.understand.concepts import Concept
        from harvest_desktop.understand.relations import Relation

        progress(Progress(0, 3, "Reading passages"))
        passages = self.passages(source_ids)
        if not passages:
            return ConceptAnalysis(note="No ready sources yet: add files or URLs first.")
        progress(Progress(1, 3, "Finding concepts"))
        analyses = {}
        for sid in sorted({p.source_id for p in passages}):
            src = self._sources.get(sid)
            found = stored_or_new(self._ctx.db, sid, src.content_hash if src is not None else None,
                                  lambda sid=sid: self._sources.document(sid), cancel)
            if found is not None:
                analyses[sid] = found
        material = build_material(passages, analyses, cancel=cancel)
        cancel.check()
        top = material.concepts[:limit]
        concepts = [Concept(term=c.term, score=round(c.score, 4),
                            definition=(c.definition_text or c.definition.text) if c.definition else None,
                            citation=c.definition.passage if c.definition else None, aliases=c.aliases[:6],
                            mentions=sorted({(m.passage.source_id, m.passage.heading_path) for m in c.mentions}),
                            kind=c.kind, definition_kind=c.definition_kind, chapter=c.chapter)
                    for c in top]
        progress(Progress(2, 3, "Finding relations"))
        terms = {c.term for c in top}
        relations = [Relation(r.source, r.target, r.label, r.weight, r.evidence.text, r.evidence.passage)
                     for r in material.relations if r.source in terms and r.target in terms]
        progress(Progress(3, 3, "Laying out the map"))
        return ConceptAnalysis(concepts, relations, build_graph(concepts, relations))

    def write_map(self, analysis: ConceptAnalysis, path: str | Path) -> Path:
        """Write the analysed map as .png or .svg (the same layout the window draws)."""
        from harvest_desktop.understand.concept_map import build_graph

        return write_graph(analysis.graph or build_graph(analysis.concepts, analysis.relations), path)


def write_graph(graph: "ConceptGraph", path: str | Path) -> Path:
    """The one way a concept map becomes a file, for `harvest concepts --map` and the window alike."""
    from harvest_desktop.core.settings import atomic_write_bytes, atomic_write_text
    from harvest_desktop.understand.concept_map import to_png_bytes, to_svg

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MAP_SUFFIXES:
        raise BadInput(f"{path.name}: the map is written as .png or .svg")
    if suffix == ".svg":
        atomic_write_text(path, to_svg(graph))
    else:
        atomic_write_bytes(path, to_png_bytes(graph))
    return path
