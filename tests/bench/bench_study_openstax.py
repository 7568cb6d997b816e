"""Key concepts on a real open textbook: OpenStax "Introduction to Philosophy" (CC BY 4.0; CNXML
from github.com/openstax/osbooks-introduction-philosophy), written out as an EPUB and read by
Harvest's EPUB reader. Its glossary (318 terms) is the reference.

Figures, with the book's chapter-end Key Terms lists (as printed) and without them (the text alone):
- the share of the study guide's key concepts that are glossary terms (goal >= 70 %);
- the share of glossary terms among the top N concepts, N = the number of glossary terms (goal >= 60 %);
plus grounding pass rates and items quoting headings, captions or references (goal 0).

Run: HARVEST_OPENSTAX_REPO=/path/to/repo.git .venv/bin/python -m pytest tests/bench/bench_study_openstax.py -s
(the path is a bare clone or a clone's .git directory)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

DEFAULT = "/work/.mirror/openstax+osbooks-introduction-philosophy/repo"


def _repo() -> Path:
    path = Path(os.environ.get("HARVEST_OPENSTAX_REPO", DEFAULT))
    if not (path / "HEAD").exists() and not (path / ".git").exists():
        pytest.skip(f"no OpenStax repository at {path} (set HARVEST_OPENSTAX_REPO)")
    return path / ".git" if (path / ".git").exists() else path


def _norm(t: str) -> str:
    return " ".join(t.replace("’", "'").casefold().split())


@pytest.mark.parametrize("key_terms", [True, False], ids=["with-key-terms", "text-only"])
def test_bench_openstax_philosophy(tmp_path, key_terms):
    from harvest_desktop.acquire.files import read_file
    from harvest_desktop.formats import registry
    from harvest_desktop.index.chunking import chunk_document
    from harvest_desktop.understand.analysis import _key, analyze_document
    from harvest_desktop.understand.passages import Passage
    from tests.bench.openstax import write_book

    path, glossary = write_book(_repo(), tmp_path / "philosophy.epub", key_terms=key_terms)
    doc = read_file(path)
    passages = [Passage(c.ord + 1, 1, doc.title, c.page, " > ".join(c.heading_path), c.text)
                for c in chunk_document(doc)]
    t0 = time.perf_counter()
    analysis = analyze_document(doc)
    t_analysis = time.perf_counter() - t0
    gloss = {_key(t) for _c, t, _d in glossary}
    t0 = time.perf_counter()
    guide = registry.run(registry.get_format("study-guide"), "builtin", passages, analyses={1: analysis}).content
    quiz = registry.run(registry.get_format("quiz"), "builtin", passages, analyses={1: analysis}, count=200).content
    cards = registry.run(registry.get_format("flashcards"), "builtin", passages, analyses={1: analysis},
                         count=300).content
    t_gen = time.perf_counter() - t0
    keys = [k for p in guide["parts"] for k in p["key_concepts"]]
    in_gloss = sum(_key(k["term"]) in gloss for k in keys)
    top = analysis.concepts[: len(gloss)]
    top_hits = sum(c.key in gloss for c in top)
    top50 = sum(c.key in gloss for c in analysis.concepts[:50])
    not_prose = {_norm(b.text) for b in doc.blocks if b.kind in ("heading", "caption", "reference", "sidebar")}
    quotes = [q["citation"]["quote"] for q in quiz["questions"]] + [c["citation"]["quote"] for c in cards["cards"]]
    bad = [q for q in quotes if _norm(q) in not_prose]
    label = "with its Key Terms lists" if key_terms else "text only (Key Terms lists removed)"
    print(f"\n[bench] OpenStax Introduction to Philosophy, {label}: {len(doc.blocks)} blocks, "
          f"{len(doc.text.split()):,} words, {len(gloss)} glossary terms (2 shared cores)")
    print(f"[bench]   analysis {t_analysis:.1f} s; guide + 200-question quiz + 300 cards {t_gen:.1f} s")
    print(f"[bench]   guide key concepts that are glossary terms: {in_gloss}/{len(keys)} "
          f"({100 * in_gloss / max(1, len(keys)):.1f} %)")
    print(f"[bench]   glossary terms among the top {len(gloss)} concepts: {top_hits}/{len(gloss)} "
          f"({100 * top_hits / len(gloss):.1f} %); among the top 50: {top50}")
    print(f"[bench]   top 15 concepts: {', '.join(c.term for c in analysis.concepts[:15])}")
    for name, c in (("quiz", quiz), ("flashcards", cards), ("guide", guide)):
        g = c["grounding"]
        print(f"[bench]   {name}: {g['passed']}/{g['checked']} items passed grounding "
              f"({100 * g['passed'] / max(1, g['checked']):.1f} %), {g['dropped']} dropped, {g['flagged']} flagged")
    print(f"[bench]   quiz items: {len(quiz['questions'])}, cards: {len(cards['cards'])}; quoting a heading, "
          f"caption, reference or sidebar: {len(bad)}")
    exp = sum(k["definition_kind"] == "explained" for k in keys)
    print(f"[bench]   key concepts defined by glossary/text/explained only: "
          f"{sum(k['definition_kind'] == 'glossary' for k in keys)}/{sum(k['definition_kind'] == 'defined' for k in keys)}"
          f"/{exp}")
