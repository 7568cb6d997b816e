"""`harvest generate` with --count/--types/--chapter and `harvest ask`, as real subprocesses."""

from __future__ import annotations

import json

from tests import study_texts as T
from tests.integration.test_cli import harvest


def test_generate_quiz_with_flags_and_ask(tmp_path, harvest_home):
    book = T.write_docx(tmp_path / "ecology.docx")
    assert harvest("add", book, home=harvest_home).returncode == 0
    out = tmp_path / "quiz.json"
    r = harvest("generate", "quiz", "-o", out, "--count", "6", "--types", "mcq,tf", "--chapter", "2",
                "--engine", "builtin", home=harvest_home)
    assert r.returncode == 0, r.stderr
    content = json.loads(out.read_text(encoding="utf-8"))["content"]
    assert content["kind"] == "quiz" and 3 <= len(content["questions"]) <= 6  # one short chapter
    assert {q["type"] for q in content["questions"]} <= {"mcq", "tf"}
    assert {q["chapter"] for q in content["questions"]} == {"Chapter 2 Populations"}
    assert all(q["citation"]["passage"] and q["citation"]["quote"] for q in content["questions"])

    cards = tmp_path / "cards.md"
    r = harvest("generate", "flashcards", "-o", cards, "--count", "10", home=harvest_home)
    assert r.returncode == 0, r.stderr and "**" in cards.read_text(encoding="utf-8")

    bad = harvest("generate", "quiz", "-o", tmp_path / "x.md", "--chapter", "Thermodynamics", home=harvest_home)
    assert bad.returncode != 0 and "no chapter matches" in bad.stderr and "Chapter 1" in bad.stderr

    yes = harvest("ask", "What is a limiting factor?", "--engine", "builtin", home=harvest_home)
    assert yes.returncode == 0, yes.stderr
    assert "restricts the size of a population" in yes.stdout and "[Foundations of Ecology" in yes.stdout
    no = harvest("ask", "Who painted the Mona Lisa?", "--source", "ecology.docx", home=harvest_home)
    assert no.returncode == 0 and "The sources do not say." in no.stdout
