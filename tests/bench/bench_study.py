"""Study material from a ~1,000-page textbook already harvested (analysis stored), offline:
a study guide, a 200-question quiz bank and 300 flashcards; grounding pass rates; items taken
from headings, captions or reference lists (must be 0); glossary terms among the key concepts.

Run: .venv/bin/python -m pytest tests/bench/bench_study.py -s
Figures print; no timing asserts. The machine's two cores are shared with other jobs."""

from __future__ import annotations

import json
import time

from harvest_desktop.core.plain import Plain  # noqa: F401  (import cost outside the timings)
from tests.bench.study_book import make_textbook


def _passages(doc, source_id=1):
    from harvest_desktop.index.chunking import chunk_document
    from harvest_desktop.understand.passages import Passage

    return [Passage(source_id * 100_000 + c.ord, source_id, doc.title, c.page, " > ".join(c.heading_path), c.text)
            for c in chunk_document(doc)]


def _not_prose(doc):
    return {" ".join(b.text.split()).casefold() for b in doc.blocks
            if b.kind in ("heading", "caption") or b.text.startswith("Author")}


def test_bench_thousand_page_textbook():
    from harvest_desktop.formats import registry
    from harvest_desktop.understand.analysis import SourceAnalysis, analyze_document

    doc, glossary = make_textbook(pages=1000)
    passages = _passages(doc)
    t0 = time.perf_counter()
    analysis = analyze_document(doc)
    t_analysis = time.perf_counter() - t0
    stored = json.dumps(analysis.to_dict())
    t0 = time.perf_counter()
    analysis = SourceAnalysis.from_dict(json.loads(stored))  # what generation reads back from the store
    t_load = time.perf_counter() - t0

    timings, results = {}, {}
    for fmt, opts in (("study-guide", {}), ("quiz", {"count": 200}), ("flashcards", {"count": 300})):
        t0 = time.perf_counter()
        results[fmt] = registry.run(registry.get_format(fmt), "builtin", passages, analyses={1: analysis}, **opts)
        timings[fmt] = time.perf_counter() - t0
    total = sum(timings.values()) + t_load
    print(f"\n[bench] textbook: {doc.pages} pages, {len(doc.text.split()):,} words, {len(passages):,} passages, "
          f"{len(glossary)} glossary terms (synthetic, seeded; 2 shared cores)")
    print(f"[bench]   analysis at harvest time: {t_analysis:6.2f} s ({len(analysis.sentences):,} prose sentences, "
          f"{len(analysis.concepts)} concepts, {len(analysis.relations)} typed relations; "
          f"stored {len(stored) / 1e6:.1f} MB JSON, read back in {t_load:.2f} s)")
    for fmt, t in timings.items():
        c = results[fmt].content
        items = c.get("questions") or c.get("cards") or [k for p in c.get("parts", []) for k in p["key_concepts"]]
        g = c["grounding"]
        rate = g["passed"] / g["checked"] if g["checked"] else 0
        print(f"[bench]   {fmt:12s} {t:6.2f} s  {len(items):4d} items  grounding: {g['passed']}/{g['checked']} "
              f"passed ({100 * rate:.1f} %), {g['dropped']} dropped, {g['flagged']} flagged, mean score {g['score']}")
    print(f"[bench]   guide + 200 questions + 300 cards: {total:.2f} s (goal < 60 s); with the analysis made "
          f"on the spot instead of stored: {total + t_analysis:.2f} s")

    bad = _not_prose(doc)
    quotes = []
    for fmt in ("quiz", "flashcards"):
        c = results[fmt].content
        for item in c.get("questions") or c.get("cards"):
            quotes.append(item["citation"]["quote"])
            quotes += [p["citation"]["quote"] for p in item.get("pairs", [])]
    from_structure = [q for q in quotes if " ".join(q.split()).casefold() in bad or q.startswith(("Figure", "Author"))]
    print(f"[bench]   quiz items and cards quoting a heading, caption or reference: {len(from_structure)} "
          f"of {len(quotes)}")

    gloss = {t.casefold() for t, _ in glossary}
    guide = results["study-guide"].content
    keys = [k["term"].casefold() for p in guide["parts"] for k in p["key_concepts"]]
    top = [c.term.casefold() for c in analysis.concepts[: len(gloss)]]
    print(f"[bench]   guide key concepts that are glossary terms: {sum(k in gloss for k in keys)}/{len(keys)} "
          f"({100 * sum(k in gloss for k in keys) / max(1, len(keys)):.1f} %)")
    print(f"[bench]   glossary terms among the top {len(gloss)} concepts: {sum(t in gloss for t in top)}/{len(gloss)} "
          f"({100 * sum(t in gloss for t in top) / len(gloss):.1f} %)")
    assert results["quiz"].content["questions"] and results["flashcards"].content["cards"]
