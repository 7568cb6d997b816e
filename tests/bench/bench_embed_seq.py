"""How many word pieces of a passage to embed: 128 (the default) against 256, by speed and by what
a search finds.

Run: pytest tests/bench/bench_embed_seq.py -s
     HARVEST_BENCH_BOOKS=a.pdf,b.pdf pytest tests/bench/bench_embed_seq.py -s   (real books too)

Corpora: the Vim user manual (Debian's vim-runtime, /usr/share/vim/vim*/doc/usr_*.txt; real
explanatory prose) and every PDF named in HARVEST_BENCH_BOOKS, each read and cut into passages by
Harvest's own reader and chunker (running-text passages only).

Queries ("held-out sentences", as in bench_embed_options.py): up to QUERIES passages with three or
more sentences are drawn (seed 0); one inner sentence of 8+ words is taken out of each and becomes
the query, the passage without it stays in the corpus. The passages are written to one Markdown
file, one heading per passage, and harvested into a fresh library by the real pipeline (chunking,
embedding, FAISS + full-text index, analysis); the queries go through the library's own search:
blended (what `harvest search` and the window use), vector-only and keyword-only. A query is
answered at 10 when its passage is among the 10 hits, at 1 when it is the first.

Speed: CPU seconds of the whole harvest in this process (embedding, indexing and analysis; the
parser process is not counted). Asserts nothing about time.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

QUERIES = 200
SEQS = (256, 128)
_HERE = Path(__file__).resolve().parent


def _corpora() -> list[tuple[str, list[str]]]:
    sys.path.insert(0, str(_HERE))
    from bench_embed_options import _chunks, _corpus_files

    from harvest_desktop.acquire.files import read_file
    from harvest_desktop.index.chunking import chunk_document

    name, files = _corpus_files()
    out = [(name, _chunks(files))]
    for book in filter(None, os.environ.get("HARVEST_BENCH_BOOKS", "").split(",")):
        p = Path(book)
        out.append((p.name, [c.text for c in chunk_document(read_file(p)) if c.kind == "text"]))
    return out


def _run(seq: int, docs: list[str], queries: list[str], answers: list[int], home: Path, monkeypatch) -> dict:
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "SEQ_LEN", seq)
    monkeypatch.setattr(embedder, "_model", None)
    monkeypatch.setattr(embedder, "_query_model", None)
    home.mkdir()
    monkeypatch.setenv("HARVEST_HOME", str(home))
    md = home / "passages.md"
    md.write_text("".join(f"# Passage {i}\n\n{t}\n\n" for i, t in enumerate(docs)), encoding="utf-8")
    from harvest_desktop.library import Library

    lib = Library()
    try:
        lib.enqueue([md])
        cpu = time.process_time()
        lib.harvest_sync()
        cpu = time.process_time() - cpu
        row = {"cpu": cpu}
        for mode in ("blend", "semantic", "keyword"):
            at10 = at1 = 0
            for q, a in zip(queries, answers):
                hits = lib.index.search(q, 10, mode=mode)
                ok = [re.search(rf"\bPassage {a}\b", h.heading_path or "") is not None for h in hits]
                at10 += any(ok)
                at1 += bool(ok and ok[0])
            row[mode] = (at10 / len(queries), at1 / len(queries))
    finally:
        lib.close()
    return row


def test_sequence_length_speed_and_recall(tmp_path, monkeypatch):
    sys.path.insert(0, str(_HERE))
    import bench_embed_options as opts

    monkeypatch.setattr(opts, "QUERIES", QUERIES)
    print(f"\nEmbedding window: {', '.join(map(str, SEQS))} word pieces; held-out-sentence queries through "
          f"the library's search; 2 cores shared with other jobs (CPU-s is the steadier figure)")
    for name, chunks in _corpora():
        docs, queries, answers = opts._queries(chunks)
        print(f"  {name}: {len(docs)} passages, {len(queries)} queries; load "
              + "/".join(f"{x:.1f}" for x in os.getloadavg()))
        for seq in SEQS:
            r = _run(seq, docs, queries, answers, tmp_path / f"{name}-{seq}", monkeypatch)
            cells = "  ".join(f"{m} {r[m][0]:.3f} / {r[m][1]:.3f}" for m in ("blend", "semantic", "keyword"))
            print(f"    window {seq:3}: harvest {r['cpu']:6.1f} CPU-s; recall@10 / @1: {cells}", flush=True)
