"""Format content survives JSON both ways, and old stored study guides still read."""

from __future__ import annotations

import json

import pytest

from harvest_desktop.formats import schema as s


def _roundtrip(obj):
    return s.content_from_dict(json.loads(json.dumps(obj.to_dict())))


def test_every_kind_round_trips_through_json():
    cit = s.Citation(passage=7, source_id=2, title="Biology", page=12, section="Cells > Membranes", quote="A cell is")
    claim = s.Claim("A cell is the unit of life.", [cit], grounding=0.9, status=s.GROUNDED)
    src = [s.SourceRef(2, "Biology", "A. Author", None, "2020", None, "/tmp/bio.pdf", "CC BY 4.0")]
    objs = [
        s.StudyGuide("Guide", [claim], [s.GuidePart("Membranes", ["Cells", "Membranes"], 2, [claim],
                                                    [s.KeyConcept("cell", "A cell is ...", s.GLOSSARY, cit)],
                                                    [s.ReviewQuestion("What is a cell?", claim, "cell")])],
                     s.ConceptMap(nodes=[s.ConceptNode("cell", 1.0, "Cells")],
                                  edges=[s.ConceptEdge("gene", "chromosome", "part of", "Genes are ...", cit)]),
                     src),
        s.Quiz("Quiz", [s.QuizQuestion("q1", "matching", "Match", pairs=[s.MatchPair("cell", "unit", cit)]),
                        s.QuizQuestion("q2", "mcq", "Which?", ["a", "b"], "a", "because", cit, "cell", "Cells")], src),
        s.Flashcards("Cards", [s.Flashcard("abc", "cloze", cloze="The {{c1::cell}} divides.", tags=["concept::cell"],
                                           citation=cit)], src),
        s.Briefing("Brief", [claim], src),
        s.FAQ("FAQ", [s.FaqItem("What is a cell?", [claim])], src),
        s.Answer(question="What is a cell?", claims=[claim], found=True, sources=src),
        s.BlogPost("Post", claim, [s.BlogSection("Intro", [claim])], claim, src),
        s.VideoScript("Video", 90.0, [s.Scene(12.5, "Narration", "Cells", "microscope", [cit])], src),
    ]
    for obj in objs:
        data = obj.to_dict()
        assert data["kind"] == obj.kind and data["schema_version"] == s.SCHEMA_VERSION
        assert _roundtrip(obj) == obj
    guide = objs[0].to_dict()
    assert guide["parts"][0]["key_concepts"][0]["citation"] == {
        "passage": 7, "source_id": 2, "title": "Biology", "page": 12, "section": "Cells > Membranes",
        "quote": "A cell is"}
    assert set(guide["sources"][0]) == {"source_id", "title", "author", "site", "date", "url", "file", "license"}


def test_unknown_keys_are_ignored_and_unknown_kinds_refused():
    data = s.Briefing("B", [s.Claim("x")]).to_dict()
    data["added_later"] = 1
    data["points"][0]["extra"] = True
    assert s.content_from_dict(data).points[0].text == "x"
    with pytest.raises(ValueError):
        s.content_from_dict({"kind": "poem"})


def test_a_study_guide_stored_before_the_schema_still_reads():
    legacy = {"kind": "study-guide", "title": "Study guide: Bio",
              "overview": [{"text": "Cells divide.", "cite": "[Bio, p. 1]",
                            "citation": {"chunk_id": 3, "source_id": 1, "source": "Bio", "page": 1, "section": ""}}],
              "concepts": [{"term": "cell", "definition": "A cell is small.", "aliases": [],
                            "citation": {"chunk_id": 3, "source_id": 1, "source": "Bio", "page": 1, "section": ""}}],
              "sections": [{"heading": "Cells", "path": "Cells", "source": "Bio", "source_id": 1, "summary": []}],
              "quiz": [], "sources": [{"id": 1, "name": "Bio", "pages": [1]}]}
    guide = s.content_from_dict(legacy)
    assert guide.overview[0].citations[0].passage == 3
    assert guide.key_concepts()[0].term == "cell"
    assert guide.sources[0].title == "Bio"
