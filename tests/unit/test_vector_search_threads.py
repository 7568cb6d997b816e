"""A person's query is searched on one OpenMP thread, and the thread's setting is left as it was."""

from __future__ import annotations

import numpy as np

from harvest_desktop.index.vectors import FEW_QUERIES, VectorIndex


def _unit_rows(n: int, dim: int = 32, seed: int = 3) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_one_query_finds_its_row_and_leaves_the_thread_setting_alone():
    import faiss

    x = _unit_rows(500)
    vi = VectorIndex.build(np.arange(1000, 1500, dtype=np.int64), x, 32, "test")
    before = faiss.omp_get_max_threads()
    sims, ids = vi.search(x[42], 5)
    assert int(ids[0][0]) == 1042 and abs(float(sims[0][0]) - 1.0) < 1e-5
    assert faiss.omp_get_max_threads() == before


def test_a_batch_of_queries_gives_the_same_answers_as_one_at_a_time():
    x = _unit_rows(300, seed=5)
    vi = VectorIndex.build(np.arange(300, dtype=np.int64), x, 32, "test")
    batch = x[: FEW_QUERIES + 4]  # past FEW_QUERIES: the threaded path
    _, together = vi.search(batch, 3)
    alone = np.vstack([vi.search(row, 3)[1] for row in batch])
    assert (together == alone).all() and (together[:, 0] == np.arange(len(batch))).all()
