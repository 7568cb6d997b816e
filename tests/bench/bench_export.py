"""Export time and file size per writer for a 200-question quiz and the study guide of a
~1,000-page textbook (synthetic, seeded: tests/bench/study_book.py), both made by the built-in engine.

Run: .venv/bin/python -m pytest tests/bench/bench_export.py -s
Figures print; no timing asserts. The machine's two cores may be shared with other jobs."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

from tests.bench.bench_study import _passages
from tests.bench.study_book import make_textbook


def test_bench_export_writers(tmp_path):
    from harvest_desktop import export
    from harvest_desktop.formats import registry
    from harvest_desktop.understand.analysis import analyze_document

    doc, _glossary = make_textbook(pages=1000)
    passages = _passages(doc)
    analysis = analyze_document(doc)
    made = {}
    for fmt, opts in (("study-guide", {}), ("quiz", {"count": 200})):
        res = registry.run(registry.get_format(fmt), "builtin", passages, analyses={1: analysis}, **opts)
        made[fmt] = SimpleNamespace(id=1, title=res.title, format=fmt, engine="builtin",
                                    created_at="2026-11-28T00:00:00+00:00", route_reason="",
                                    content_json=json.dumps(res.content), markdown="")
    quiz_items = len(json.loads(made["quiz"].content_json)["questions"])
    print(f"\n[bench] export: study guide of a {doc.pages}-page book; quiz of {quiz_items} questions")
    print(f"[bench] {'format':12s} {'type':6s} {'seconds':>8s} {'bytes':>11s}")
    for fmt, out in made.items():
        for ext in export.extensions_for(fmt):
            target = tmp_path / f"{fmt}{ext}"
            t0 = time.perf_counter()
            export.write_output(out, target)
            dt = time.perf_counter() - t0
            print(f"[bench] {fmt:12s} {ext:6s} {dt:8.2f} {target.stat().st_size:11,d}")
            assert target.stat().st_size > 0
