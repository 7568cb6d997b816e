"""Embedding throughput inside the pipeline vs the model called directly; concept finding speed
and ranking quality.

Run: .venv/bin/python -m pytest tests/bench/bench_index.py -s
"""

from __future__ import annotations

import time

from tests.index_texts import PHOTOSYNTHESIS, TREES, VOLCANOES


def _texts(n: int) -> list[str]:
    base = [p for t in (PHOTOSYNTHESIS, VOLCANOES, TREES) for p in t.split("\n\n") if not p.startswith("#")]
    return [f"{base[i % len(base)]} (passage {i}: {' '.join(base[(i * 7) % len(base)].split()[: 20 + i % 60])})"
            for i in range(n)]


def test_bench_embedding_pipeline_vs_direct(library):
    from sqlalchemy import text as sql

    from harvest_desktop.core.cancel import CancelToken
    from harvest_desktop.index.embedder import BATCH_SIZE, embed_texts, get_model
    from harvest_desktop.store import models as m

    model = get_model()
    texts = _texts(600)
    model.encode(texts[:64], batch_size=BATCH_SIZE)  # warm-up
    t0 = time.perf_counter()
    model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)
    direct = time.perf_counter() - t0
    t0 = time.perf_counter()
    embed_texts(texts)
    wrapped = time.perf_counter() - t0
    with library.db.write() as s:
        src = m.Source(kind="file", location="/bench", name="bench", status=m.HARVESTING)
        s.add(src)
        s.flush()
        sid = src.id
        s.execute(sql("INSERT INTO chunk(source_id, ord, text) VALUES (:s, :o, :t)"),
                  [{"s": sid, "o": i, "t": t} for i, t in enumerate(texts)])
    t0 = time.perf_counter()
    library.index.add_source(sid, CancelToken())  # embed + store vectors + FAISS add + save + near-dup check
    pipeline = time.perf_counter() - t0
    n = len(texts)
    print(f"\n[bench] embedding {n} chunks (avg {sum(map(len, texts)) // n} chars):")
    print(f"[bench]   model.encode directly:        {direct:6.2f} s  {n / direct:6.1f} chunks/s")
    print(f"[bench]   embed_texts (batched calls):  {wrapped:6.2f} s  {n / wrapped:6.1f} chunks/s  "
          f"loss {100 * (wrapped - direct) / direct:+.1f}%")
    print(f"[bench]   IndexService.add_source:      {pipeline:6.2f} s  {n / pipeline:6.1f} chunks/s  "
          f"loss {100 * (pipeline - direct) / direct:+.1f}%")


GOLD = {"photosynthesis", "chloroplast", "chlorophyll", "calvin cycle", "thylakoid", "stroma", "rubisco",
        "atp", "nadph", "carbon dioxide", "glucose", "volcano", "magma", "magma chamber", "lava",
        "pyroclastic flow", "mount vesuvius", "pompeii", "volcanic ash", "mount etna", "deciduous tree",
        "forest", "root", "roots", "fungi", "leaves", "leaf", "light-dependent reactions", "oxygen", "tree"}


def test_bench_concepts_speed_and_ranking():
    from harvest_desktop.understand import nlp
    from harvest_desktop.understand.concepts import extract_concepts, extract_concepts_lexical, extract_relations
    from harvest_desktop.understand.passages import Passage

    nlp.get_nlp()
    passages = [Passage(i, 1 + i % 3, "doc", 1 + i // 4, "", t) for i, t in enumerate(_texts(40))]
    chars = sum(len(p.text) for p in passages)
    t0 = time.perf_counter()
    concepts = extract_concepts(passages, limit=20)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    extract_relations(passages, concepts)
    rel = time.perf_counter() - t0
    print(f"\n[bench] concepts on {chars:,} chars (~{chars / 3000:.0f} pages): {first:.2f} s parse+rank, "
          f"relations {rel:.2f} s (parse cached)")

    real = [Passage(i, 1, "d", None, "", p) for i, p in
            enumerate(p for t in (PHOTOSYNTHESIS, VOLCANOES, TREES) for p in t.split("\n\n") if not p.startswith("#"))]
    for name, fn in (("spaCy ranking", extract_concepts), ("lexical (previous)", extract_concepts_lexical)):
        top = [c.term.lower() for c in fn(real, limit=10)]
        hits = sum(1 for t in top if t in GOLD)
        print(f"[bench] {name:20s} precision@10 vs hand-made key terms: {hits / 10:.1f}  {top}")
