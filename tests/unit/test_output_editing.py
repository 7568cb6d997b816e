"""What a person may edit in an output's structured content, and how an edit is applied."""

from __future__ import annotations

import pytest

from harvest_desktop.core.errors import KnownError
from harvest_desktop.formats import editing


def guide() -> dict:
    cite = {"passage": 4, "source_id": 1, "title": "Notes", "page": 2, "section": "Light", "quote": "q"}
    return {"kind": "study-guide", "title": "Guide", "overview": [{"text": "Plants make sugar.", "citations": [cite],
                                                                   "status": "grounded"}],
            "parts": [{"heading": "Light", "heading_path": ["Photosynthesis", "Light"], "source_id": 1,
                       "summary": [{"text": "Light is captured.", "citations": [cite], "status": "grounded"}],
                       "key_concepts": [{"term": "chlorophyll", "definition": "A green pigment.", "citation": cite,
                                         "aliases": ["chl"], "status": "grounded"}],
                       "review_questions": []}],
            "sources": [{"source_id": 1, "title": "Notes", "author": "A. Author"}]}


def test_only_the_prose_is_offered_never_citations_sources_or_paths():
    labels = [f.label for f in editing.fields(guide())]
    assert labels == ["Title", "Overview sentence 1", "Part 1 · heading", "Part 1 · Summary sentence 1",
                      "Part 1 · Key concept 1 · term", "Part 1 · Key concept 1 · definition"]


def test_an_edit_changes_the_text_keeps_the_citation_and_marks_the_item():
    content = guide()
    new, changed = editing.apply(content, {("parts", 0, "summary", 0, "text"): "Light energy is captured."})
    claim = new["parts"][0]["summary"][0]
    assert changed == 1 and claim["text"] == "Light energy is captured." and claim["status"] == "edited"
    assert claim["citations"][0]["passage"] == 4 and new["overview"][0]["status"] == "grounded"
    assert content["parts"][0]["summary"][0]["text"] == "Light is captured."  # the original is untouched
    assert editing.apply(content, {("title",): "Guide"}) == (content, 0)  # no change, no version
    with pytest.raises(KnownError):
        editing.apply(content, {("sources", 0, "author"): "Someone else"})  # attribution is not editable
    with pytest.raises(KnownError, match="title cannot be empty"):
        editing.apply(content, {("title",): "  "})


def test_a_quiz_answer_must_stay_one_of_its_options():
    quiz = {"kind": "quiz", "title": "Q", "questions": [{"type": "mcq", "prompt": "Which?", "options": ["a", "b"],
                                                         "answer": "a", "status": "grounded"}]}
    with pytest.raises(KnownError, match="question 1: the answer “c” is not one of its options"):
        editing.apply(quiz, {("questions", 0, "answer"): "c"})
    new, n = editing.apply(quiz, {("questions", 0, "options", 0): "c", ("questions", 0, "answer"): "c"})
    assert n == 2 and new["questions"][0]["options"] == ["c", "b"] and new["questions"][0]["status"] == "edited"


def test_a_cloze_card_keeps_its_gap():
    cards = {"kind": "flashcards", "title": "C", "cards": [{"kind": "cloze", "cloze": "The {{c1::comb}} holds honey.",
                                                            "status": "grounded"}]}
    with pytest.raises(KnownError, match="card 1 lost its gap"):
        editing.apply(cards, {("cards", 0, "cloze"): "The comb holds honey."})
    new, _n = editing.apply(cards, {("cards", 0, "cloze"): "The {{c1::honeycomb}} holds honey."})
    assert new["cards"][0]["cloze"] == "The {{c1::honeycomb}} holds honey."


def test_a_scene_duration_is_edited_as_a_number():
    script = {"kind": "video-script", "title": "V", "target_runtime_s": 60, "scenes": [
        {"duration_s": 8.0, "narration": "Bees dance.", "on_screen_text": "Dance", "broll": "comb", "citations": []}]}
    fields = {f.label: f for f in editing.fields(script)}
    assert fields["Scene 1 · seconds"].text == "8" and "Scene 1 · narration" in fields
    new, _n = editing.apply(script, {fields["Scene 1 · seconds"].path: "12,5"})
    assert new["scenes"][0]["duration_s"] == 12.5
    with pytest.raises(KnownError, match="not a number of seconds"):
        editing.apply(script, {fields["Scene 1 · seconds"].path: "twelve"})
