"""The streaming preview's reading of half-written JSON, and its keeping of each call's text."""

from __future__ import annotations

import json

from harvest_desktop.formats.generative.preview import StreamText, readable


def test_every_prefix_of_an_answer_reads_as_text_that_only_grows():
    answer = json.dumps({"title": "Bee \"talk\"", "questions": [
        {"type": "mcq", "prompt": "Which dance?", "options": ["waggle", "round"], "answer": "waggle",
         "explanation": "The passage says so.", "passages": [1]}]})
    shown = [readable("Here you go: " + answer[:k]) for k in range(len(answer) + 1)]
    for before, after in zip(shown, shown[1:]):  # nothing jumps back: text only gets longer
        assert after.startswith(before.rsplit("\n\n", 1)[0])
    assert shown[-1].split("\n\n") == ['# Bee "talk"', "**Q:** Which dance?", "- waggle", "- round",
                                       "**A:** waggle", "*Why:* The passage says so."]
    assert readable('{"title": "Bee') == "# Bee"  # the unfinished value shows as it is written
    assert readable('{"points": [{"passages": [1, 2], "text": "Ants') == "Ants"
    assert readable('{"tit') == "" and readable("") == ""  # a key being written shows nothing


def test_calls_are_kept_apart_and_a_restart_keeps_the_text_until_new_text_comes():
    s = StreamText()
    s.begin("part 1 of 2")
    s('{"title": "One", "points": [{"text": "First')
    s.begin("part 2 of 2")
    s('{"title": "Two"')
    md = s.markdown()
    assert "### Part 1 of 2" in md and "First" in md and "### Part 2 of 2" in md and "# Two" in md
    before = s.version
    s.restart()  # the answer is asked for again: what was written stays until the new text starts
    assert "# Two" in s.markdown()
    s('{"title": "Again"')
    assert "# Two" not in s.markdown() and "# Again" in s.markdown() and s.version > before
    assert s.first_piece_at is not None and s.raw().startswith('{"title": "One"')
