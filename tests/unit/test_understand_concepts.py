"""Concepts, definitions, aliases, relations and the concept map on texts written for the tests."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index_texts import PHOTOSYNTHESIS, TREES, VOLCANOES  # noqa: E402

from harvest_desktop.understand.concepts import extract_concepts, extract_concepts_lexical, extract_relations  # noqa: E402
from harvest_desktop.understand.passages import Passage  # noqa: E402

EXTRA = ("Deoxyribonucleic acid (DNA) is a molecule that carries the genes of a cell. The nucleus contains DNA. "
         "A mitochondrion is an organelle that releases energy from food.")


def passages_of(*docs: tuple[str, str]) -> list[Passage]:
    out: list[Passage] = []
    for sid, (name, text) in enumerate(docs, 1):
        top, section = "", ""
        for para in text.split("\n\n"):
            para = para.strip()
            if para.startswith("## "):
                section = f"{top} > {para[3:]}"
            elif para.startswith("# "):
                top = section = para[2:]
            elif para:
                out.append(Passage(len(out) + 1, sid, name, sid + 1, section, para))
    return out


@pytest.fixture(scope="module")
def corpus() -> list[Passage]:
    return passages_of(("photosynthesis.md", PHOTOSYNTHESIS), ("volcanoes.md", VOLCANOES), ("trees.md", TREES),
                       ("cells.md", "# Cells\n\n" + EXTRA))


@pytest.fixture(scope="module")
def concepts(corpus):
    from harvest_desktop.understand import nlp

    assert nlp.get_nlp() is not None, "spaCy must load in the test environment"
    return extract_concepts(corpus, limit=30)


def by_term(concepts, term):
    return next(c for c in concepts if c.term.lower() == term.lower())


def test_domain_terms_rank_and_generic_words_do_not(concepts):
    terms = {c.term.lower() for c in concepts}
    for expected in ("photosynthesis", "chloroplast", "calvin cycle", "thylakoid", "volcano", "magma chamber",
                     "pyroclastic flow", "chlorophyll"):
        assert expected in terms, expected
    for generic in ("process", "way", "part", "series", "example"):
        assert generic not in terms
    top10 = {c.term.lower() for c in concepts[:10]}
    assert {"calvin cycle", "chloroplast", "thylakoid"} <= top10


def test_definitions_are_verbatim_sentences_with_citations(concepts, corpus):
    calvin = by_term(concepts, "Calvin cycle")
    assert calvin.definition == "The Calvin cycle is a series of reactions that fixes carbon dioxide into sugar."
    assert calvin.citation.source_name == "photosynthesis.md"
    assert calvin.citation.cite() == "[photosynthesis.md, p. 2, § Calvin cycle]"
    assert calvin.definition in calvin.citation.text
    volcano = by_term(concepts, "volcano")
    assert volcano.definition.startswith("A volcano is an opening")
    assert any(m[0] == 2 for m in volcano.mentions)


def test_aliases_cover_plural_the_form_and_abbreviation(concepts):
    thylakoid = by_term(concepts, "thylakoid")
    assert "thylakoids" in thylakoid.aliases and "the thylakoid" in thylakoid.aliases
    dna = next(c for c in concepts if "deoxyribonucleic acid" in c.term.lower())
    assert "DNA" in dna.aliases
    assert dna.definition.startswith("Deoxyribonucleic acid (DNA) is a molecule")


def test_mentions_list_sources_and_sections(concepts):
    chloroplast = by_term(concepts, "chloroplast")
    sections = {h for _, h in chloroplast.mentions}
    assert "Photosynthesis > Overview" in sections and "Photosynthesis > Light reactions" in sections


def test_extraction_is_deterministic(corpus, concepts):
    again = extract_concepts(list(corpus), limit=30)
    assert [(c.term, c.score, c.definition) for c in again] == [(c.term, c.score, c.definition) for c in concepts]


def test_lexical_fallback_still_finds_definitions(corpus):
    found = extract_concepts_lexical(corpus, limit=20)
    assert any(c.definition for c in found)


def test_relations_carry_labels_and_evidence(corpus, concepts):
    from harvest_desktop.understand.concepts import Concept

    # a caller may ask about any concepts, not only the top-ranked ones
    asked = list(concepts) + [Concept("Mount Vesuvius", 1.0), Concept("Italy", 1.0),
                             Concept("light", 1.0), Concept("water molecules", 1.0)]
    rels = extract_relations(corpus, asked)
    def find(src, label, dst):
        return next((r for r in rels if r.source.lower() == src and r.label == label and r.target.lower() == dst), None)

    part = find("thylakoid", "part of", "chloroplast")
    assert part is not None and part.evidence == "The thylakoid is part of the chloroplast."
    assert part.citation.source_name == "photosynthesis.md"
    assert find("magma chamber", "part of", "volcano") is not None
    loc = find("mount vesuvius", "located in", "italy")
    assert loc is not None and "Naples" in loc.evidence
    assert find("deciduous tree", "is a", "tree") is not None
    cause = next(r for r in rels if r.label == "causes" and r.source.lower() == "light")
    assert cause.evidence.startswith("Light causes the splitting")
    contains = next((r for r in rels if r.label == "part of" and r.target.lower() == "nucleus"), None)
    assert contains is None or "contains" in contains.evidence
    for r in rels:
        assert r.evidence in r.citation.text
        assert r.weight > 0


def test_concept_map_svg_and_png(tmp_path, corpus, concepts):
    from PIL import Image

    from harvest_desktop.understand.concept_map import build_graph, render_png, render_svg

    rels = extract_relations(corpus, concepts)
    svg = render_svg(concepts, rels, tmp_path / "map.svg")
    root = ET.parse(svg).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Calvin cycle" in texts and "part of" in texts and "is a" in texts
    png = render_png(concepts, rels, tmp_path / "map.png")
    with Image.open(png) as img:
        assert img.format == "PNG" and img.width > 600 and img.height > 400
        assert len(set(img.convert("L").getdata())) > 10  # drawn, not blank
    g1, g2 = build_graph(concepts, rels), build_graph(concepts, rels)
    assert [(n.x, n.y) for n in g1.nodes] == [(n.x, n.y) for n in g2.nodes]
    xs = sorted((n.x, n.y) for n in g1.nodes)
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) > 20 for a, b in zip(xs, xs[1:]))  # nodes do not pile up
    assert all(0 <= n.x <= g1.width and 0 <= n.y <= g1.height for n in g1.nodes)
    assert re.search(r"<title>The thylakoid is part of the chloroplast.</title>", svg.read_text())
