"""The stored analysis of one source: prose sentences only, glossary first, definitions not quotations."""

from __future__ import annotations

import json

from harvest_desktop.core.document import Block, Document, with_heading_paths
from harvest_desktop.understand.analysis import (EXPLAINED, GLOSSARY, QUOTE, SourceAnalysis, analyze_document,
                                                 defines)


def _doc() -> Document:
    b = [
        Block("Chapter 1 Cells", "heading", 1, 1),
        Block("A cell is the smallest unit of life that can replicate on its own. The mitochondrion is an "
              "organelle that releases energy for the cell.", page=1),
        Block("Figure 1.1 A plant cell is shown under a light microscope.", "caption", page=1),
        Block("Figure 1.2 The nucleus is the control centre of the cell.", page=1),
        Block("Turning glucose into usable energy inside the mitochondrion is called cellular respiration. "
              "Cellular respiration takes place in every living cell.", page=2),
        Block("\u201cThe cell is a world of its own, and the nucleus is its ruler,\u201d the old lecturer said.",
              page=2),
        Block("Chapter 2 Genetics", "heading", 1, 3),
        Block("A gene is a sequence of DNA that codes for a protein. Genes are part of chromosomes. "
              "Each chromosome carries many genes, and mutation in a gene can change the protein it codes for.",
              page=3),
        Block("Glossary", "heading", 1, 4),
        Block("cell: the smallest unit of life", page=4),
        Block("gene \u2014 a sequence of DNA coding for a protein", page=4),
        Block("References", "heading", 1, 5),
        Block("Smith, J. (2001). Cells and their parts. Journal of Biology, 3, pp. 4-9.", page=5),
    ]
    return Document("Biology", with_heading_paths(b))


def test_only_prose_becomes_sentences():
    a = analyze_document(_doc())
    texts = [s.text for s in a.sentences]
    assert not any(t.startswith(("Figure", "Chapter", "Smith")) for t in texts)
    assert "A gene is a sequence of DNA that codes for a protein." in texts
    assert a.chapters == ["Chapter 1 Cells", "Chapter 2 Genetics"]
    quote = next(s for s in a.sentences if "old lecturer" in s.text)
    assert quote.kind == QUOTE
    gene = next(s for s in a.sentences if s.text.startswith("A gene"))
    assert gene.page == 3 and gene.chapter == "Chapter 2 Genetics"
    assert _doc().text[gene.start:gene.end] == gene.text


def test_glossary_terms_lead_and_their_definitions_come_first():
    a = analyze_document(_doc())
    assert {g.term for g in a.glossary} == {"cell", "gene"}
    top = [c.term for c in a.concepts[:2]]
    assert sorted(top) == ["cell", "gene"]
    cell = a.concept("cell")
    assert cell.definition.kind == GLOSSARY and cell.definition.text == "the smallest unit of life"
    resp = a.concept("cellular respiration")
    assert resp is not None and resp.definition.text.endswith("is called cellular respiration.")
    for c in a.concepts:  # never a quotation or a caption
        if c.definition:
            assert "lecturer" not in c.definition.text and not c.definition.text.startswith("Figure")


def test_definition_patterns_and_the_explained_fallback():
    assert defines("A gene is a sequence of DNA that codes for a protein.", "gene") is not None
    assert defines("Inflation refers to a general rise in prices.", "inflation") == 0
    assert defines("This rise in prices is called inflation.", "inflation") == 0
    assert defines("Prices rose because of inflation in 1970.", "inflation") is None
    a = analyze_document(_doc())
    chrom = a.concept("chromosome")
    assert chrom is not None and chrom.definition.kind == EXPLAINED


def test_round_trip_and_relations_have_evidence():
    a = analyze_document(_doc())
    again = SourceAnalysis.from_dict(json.loads(json.dumps(a.to_dict())))
    assert again == a
    for r in a.relations:
        ev = a.sentences[r.sentence].text.lower()
        assert r.source.lower()[:4] in ev and r.target.lower()[:4] in ev
