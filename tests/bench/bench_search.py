"""Search latency and memory of the FAISS index at 10k, 100k and 1M chunks (synthetic vectors).

Run: .venv/bin/python -m pytest tests/bench/bench_search.py -s
Vectors are a clustered mixture (like real topics), normalised, 384-d as MiniLM. Single-query
latency p50/p95 over 200 queries near the data; recall@10 against exact search; serialised size.
"""

from __future__ import annotations

import time

import numpy as np

from harvest_desktop.index.vectors import FLAT_MAX, VectorIndex

DIM = 384


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(16, n // 500), DIM)).astype(np.float32)
    x = centres[rng.integers(0, len(centres), n)] + rng.normal(scale=0.6, size=(n, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _latency(vi: VectorIndex, queries: np.ndarray) -> tuple[float, float, np.ndarray]:
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = vi.search(q, 10)
        times.append((time.perf_counter() - t0) * 1000)
        found.append(ids[0])
    return float(np.percentile(times, 50)), float(np.percentile(times, 95)), np.array(found)


def test_bench_search_latency_and_memory():
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one query at a time, as the app serves them
    rng = np.random.default_rng(9)
    for n in (10_000, 100_000, 1_000_000):
        x = _data(n)
        ids = np.arange(n, dtype=np.int64)
        q = x[rng.choice(n, 200, replace=False)] + rng.normal(scale=0.05, size=(200, DIM)).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        exact = VectorIndex.build(ids, x, DIM, "bench", flat_max=10**9)
        p50, p95, truth = _latency(exact, q)
        print(f"\n[bench] n={n:>9,}  flat (exact):  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
              f"memory {exact.memory_bytes() / 2**20:8.1f} MiB")
        if n > FLAT_MAX:
            t0 = time.perf_counter()
            approx = VectorIndex.build(ids, x, DIM, "bench")
            build = time.perf_counter() - t0
            p50, p95, got = _latency(approx, q)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)])
            print(f"[bench] n={n:>9,}  {approx.kind} (chosen): p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
                  f"memory {approx.memory_bytes() / 2**20:8.1f} MiB  recall@10 {recall:.3f}  build {build:.1f} s")
            del approx
        del exact, x
    faiss.omp_set_num_threads(threads)


def test_bench_query_embedding_latency():
    from harvest_desktop.index.embedder import embed_query, get_model

    get_model()
    times = []
    for i in range(50):
        t0 = time.perf_counter()
        embed_query(f"where is carbon dioxide turned into sugar, variant {i}")
        times.append((time.perf_counter() - t0) * 1000)
    print(f"\n[bench] query embedding: p50 {np.percentile(times, 50):.1f} ms  p95 {np.percentile(times, 95):.1f} ms")
