"""Embedding options for all-MiniLM-L6-v2, compared by speed AND by retrieval quality.

Run: pytest tests/bench/bench_embed_options.py -s   (prints a table; asserts nothing about time)

Corpus: a real text that ships with the machine - the Vim user manual (Debian's vim-runtime,
/usr/share/vim/vim*/doc/usr_*.txt, ~640 kB of explanatory prose in 36 chapters) or, where it is
absent, the licence texts under /usr/share/common-licenses. It is read by Harvest's own reader and
cut by its own chunker.

Query set ("held-out sentences"): QUERIES chunks are drawn at random (seed 0) among those with at
least three sentences; from each, one inner sentence of 8+ words is taken out and becomes the
query, and the chunk WITHOUT that sentence stays in the corpus. A query is answered when its
chunk is among the 10 nearest (exact cosine). recall@10 is measured per option, and "agree@10"
is the mean overlap of each option's top 10 with today's model (sentence-transformers, torch).

Speed: chunks per second embedding the first SPEED_CHUNKS chunks (in corpus order), after one
warm-up call; load = seconds to construct the embedder in this process. The machine has 2 cores
shared with other jobs: read the ratios more than the absolute figures.
"""

from __future__ import annotations

import glob
import random
import re
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.bench

QUERIES = 100
CORPUS_CHUNKS = 450  # the first chapters: keeps a run short on a shared 2-core machine
SPEED_CHUNKS = 160
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _corpus_files() -> tuple[str, list[Path]]:
    vim = sorted(Path(p) for p in glob.glob("/usr/share/vim/vim*/doc/usr_[0-9]*.txt"))
    if vim:
        return "Vim user manual (vim-runtime)", vim
    lic = sorted(p for p in Path("/usr/share/common-licenses").glob("*") if p.is_file())
    return "licence texts (/usr/share/common-licenses)", lic


def _chunks(files: list[Path]) -> list[str]:
    from harvest_desktop.acquire.files import read_file
    from harvest_desktop.index.chunking import chunk_document

    out: list[str] = []
    for f in files:
        doc = read_file(f)
        out += [c.text for c in chunk_document(doc)]
    return out


def _queries(chunks: list[str]) -> tuple[list[str], list[str], list[int]]:
    rng = random.Random(0)
    order = list(range(len(chunks)))
    rng.shuffle(order)
    corpus = list(chunks)
    queries: list[str] = []
    answers: list[int] = []
    for i in order:
        sents = [s for s in _SENT.split(" ".join(chunks[i].split())) if s]
        if len(sents) < 3:
            continue
        inner = [k for k in range(1, len(sents) - 1) if len(sents[k].split()) >= 8]
        if not inner:
            continue
        k = rng.choice(inner)
        queries.append(sents[k])
        corpus[i] = " ".join(sents[:k] + sents[k + 1:])
        answers.append(i)
        if len(queries) >= QUERIES:
            break
    return corpus, queries, answers


def _top10(doc_vecs: np.ndarray, q_vecs: np.ndarray) -> np.ndarray:
    sims = q_vecs @ doc_vecs.T
    return np.argsort(-sims, axis=1)[:, :10]


def test_embedding_options_speed_and_recall():
    from harvest_desktop.index import embedder

    name, files = _corpus_files()
    chunks = _chunks(files)[:CORPUS_CHUNKS]
    corpus, queries, answers = _queries(chunks)
    dups = len(chunks) - len(set(chunks))
    print(f"\nEmbedding options: corpus {name}: {len(files)} files, {len(chunks)} chunks "
          f"({dups} exact duplicates), {len(queries)} held-out-sentence queries; 2 shared cores")

    # (label, backend, options, changes the vectors?) - sorting, batch size and threads do not
    # change a text's vector, so their recall is the fp32 graph's (checked: max difference shown)
    options = [
        ("torch (sentence-transformers), seq 256, batch 32", "torch", {"seq_len": 256, "batch_size": 32}, True),
        ("onnx fp32, seq 256, batch 32, length-sorted", "onnx", {"seq_len": 256, "batch_size": 32}, True),
        ("onnx fp32, seq 256, batch 32, unsorted", "onnx", {"seq_len": 256, "batch_size": 32, "sort": False}, False),
        ("onnx fp32, seq 256, batch 16, length-sorted", "onnx", {"seq_len": 256, "batch_size": 16}, False),
        ("onnx fp32, seq 256, batch 64, length-sorted", "onnx", {"seq_len": 256, "batch_size": 64}, False),
        ("onnx fp32, seq 256, 1 thread", "onnx", {"seq_len": 256, "batch_size": 32, "threads": 1}, False),
        ("onnx fp32, seq 128 (truncates long chunks)", "onnx", {"seq_len": 128, "batch_size": 32}, True),
        ("onnx int8 (dynamic quantisation), seq 256", "onnx-int8", {"seq_len": 256, "batch_size": 32}, True),
        ("onnx int8, seq 128, batch 32", "onnx-int8", {"seq_len": 128, "batch_size": 32}, True),
        ("onnx int8, seq 128, batch 8 [today's default]", "onnx-int8", {}, False),
    ]
    speed_set = chunks[:SPEED_CHUNKS]
    baseline_top = ref_vecs = None
    same: dict = {}
    print(f"  {'option':<50} {'load s':>6} {'chunks/s':>9} {'chunks/cpu-s':>12} {'recall@10':>9} "
          f"{'agree@10':>8} {'min cos':>8}")
    for label, backend, kw, own_quality in options:
        t = time.perf_counter()
        model = embedder.load_backend(backend, **kw)
        load = time.perf_counter() - t
        model.encode(speed_set[:32])
        t, c = time.perf_counter(), time.process_time()
        speed_vecs = model.encode(speed_set)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        rate, cpu_rate = len(speed_set) / wall, len(speed_set) / max(cpu, 1e-9)
        if own_quality:
            dv = model.encode(corpus)
            qv = model.encode(queries)
            top = _top10(dv, qv)
            recall = float(np.mean([answers[i] in top[i] for i in range(len(answers))]))
            if baseline_top is None:
                baseline_top, ref_vecs = top, dv
            agree = float(np.mean([len(set(top[i]) & set(baseline_top[i])) / 10 for i in range(len(top))]))
            cos = float(np.min(np.sum(dv * ref_vecs, axis=1)))
            quality = f"{recall:9.3f} {agree:8.3f} {cos:8.4f}"
            same[(backend, kw.get("seq_len", embedder.SEQ_LEN))] = (speed_vecs, quality, label)
        else:  # sorting, batch size and threads: the vectors of the option above with that backend and window
            ref_vecs_, ref_quality, ref_label = same[(backend, kw.get("seq_len", embedder.SEQ_LEN))]
            diff = float(np.abs(speed_vecs - ref_vecs_).max())
            quality = ref_quality + f"  (vectors of '{ref_label}', max diff {diff:.1e})"
        print(f"  {label:<50} {load:6.2f} {rate:9.1f} {cpu_rate:12.1f} {quality}", flush=True)
        del model
    print("  chunks/s: wall clock on the shared machine; chunks/cpu-s: chunks per CPU-second of this "
          "process (all threads), steadier when other jobs share the cores")
