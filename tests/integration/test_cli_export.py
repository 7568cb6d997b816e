"""`harvest generate` picks the writer by extension, `harvest export` rewrites outputs already made
(one, or all of them into a folder), each file read back by an independent reader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.integration.test_cli import harvest
from tests.samples import write_markdown


def test_generate_every_type_then_export_again_and_in_batch(tmp_path, harvest_home):
    md = write_markdown(tmp_path / "photosynthesis.md")
    assert harvest("add", md, home=harvest_home).returncode == 0
    out = tmp_path / "out"
    out.mkdir()

    res = harvest("generate", "quiz", "-o", out / "quiz.csv", "--count", "6", home=harvest_home)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO((out / "quiz.csv").read_bytes().decode("utf-8-sig"))))
    assert rows and all(r["question"] and r["answer"] for r in rows)

    refused = harvest("generate", "study-guide", "-o", out / "guide.apkg", home=harvest_home)
    assert refused.returncode == 2 and "cannot be written as '.apkg'" in refused.stderr
    assert not (out / "guide.apkg").exists()

    res = harvest("generate", "study-guide", "-o", out / "guide.docx", home=harvest_home)
    assert res.returncode == 0, res.stderr
    import docx

    heads = [p.text for p in docx.Document(str(out / "guide.docx")).paragraphs if p.style.name == "Heading 1"]
    assert "References" in heads and "Sources" in heads

    listing = harvest("outputs", home=harvest_home)
    assert listing.returncode == 0
    ids = {line.split("\t")[1]: line.split("\t")[0].lstrip("#") for line in listing.stdout.splitlines()}
    assert set(ids) == {"quiz", "study-guide"}

    again = harvest("export", ids["quiz"], "-o", out / "quiz.json", home=harvest_home)
    assert again.returncode == 0, again.stderr
    data = json.loads((out / "quiz.json").read_text(encoding="utf-8"))
    assert data["format"] == "quiz" and len(data["content"]["questions"]) == len(rows)

    exists = harvest("export", ids["quiz"], "-o", out / "quiz.json", home=harvest_home)
    assert exists.returncode == 1 and "already exists" in exists.stderr

    batch = tmp_path / "batch"
    batch.mkdir()
    res = harvest("export", "--all", "-o", batch, "--as", "md,html,apkg", home=harvest_home)
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in batch.iterdir())
    assert "index.html" in names and sum(n.endswith(".md") for n in names) == 2
    assert sum(n.endswith(".apkg") for n in names) == 1  # only the quiz becomes a deck
    assert "skipped: " in res.stdout

    missing = harvest("export", "--all", "-o", tmp_path / "nowhere", home=harvest_home)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    both = harvest("export", "1", "--all", "-o", batch, home=harvest_home)
    assert both.returncode == 2
