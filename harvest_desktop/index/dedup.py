"""Near-duplicate chunks and passages from the embeddings.

Up to EXACT_MAX vectors every pair is compared, exactly: matrix products over the upper triangle
only, tile by tile (memory bounded by one tile). Past that, comparing all pairs grows with the
square of the library, so the vectors are grouped as in an inverted-file index: k-means centroids
(FAISS), each vector joins the groups of its NPROBE nearest centroids, and only vectors sharing a
group are compared, exactly, one matrix product per group. A near-duplicate lies within a small
angle of its original, so they share their nearest centroids; the share of the exact pairs found
(recall) is measured by tests/bench/bench_dedup.py and checked in tests/unit/test_index_dedup.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from harvest_desktop.understand.passages import Passage

# Cosine between MiniLM vectors above which two passages say the same thing. Paraphrased or
# lightly edited copies score ~0.9-0.99; different passages on one subject rarely pass 0.8.
CHUNK_THRESHOLD = 0.9
# Rows (and columns) per tile of the exact all-pairs comparison: a tile holds TILE x TILE floats.
TILE = 2048
# Up to this many vectors the exact comparison is used; past it, the grouped one.
EXACT_MAX = 10_000
# Groups each vector joins (of about NPROBE * sqrt(n)); more finds more pairs, slower.
NPROBE = 3


def normalise_text(text: str) -> str:
    """Case, width, punctuation and spacing folded away: what remains is the words in order."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"[^\w\s]", " ", norm)
    return re.sub(r"\s+", " ", norm).strip()


def duplicate_pairs(vectors: "np.ndarray", threshold: float = CHUNK_THRESHOLD,
                    k: int | None = None, *, exact: bool | None = None,
                    nprobe: int = NPROBE) -> list[tuple[int, int, float]]:
    """Every pair (i < j) of rows with cosine >= threshold, from normalised vectors, sorted.

    exact=None picks by size (exact up to EXACT_MAX rows, grouped past it); True or False
    forces one. With k set, only each row's k nearest neighbours are considered (exact kNN).
    """
    import numpy as np

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n = x.shape[0] if x.ndim == 2 else 0
    if n < 2:
        return []
    if k is not None:
        ii, jj, ss = _knn_pairs(x, threshold, k)
    elif exact if exact is not None else n <= EXACT_MAX:
        ii, jj, ss = _exact_pairs(x, threshold)
    else:
        ii, jj, ss = _ivf_pairs(x, threshold, nprobe)
    order = np.lexsort((jj, ii))
    return list(zip(ii[order].tolist(), jj[order].tolist(), ss[order].astype(np.float64).tolist()))


def _parallel(tasks: list, work) -> list:
    """Runs work(task) for every task on one thread per core, each with a one-thread BLAS.

    numpy releases the GIL in matrix products, so whole tiles run side by side; BLAS's own
    threads, synchronised for every product, cost more than they give on small products and
    collapse when the cores are busy with other work.
    """
    import contextlib
    import os
    from concurrent.futures import ThreadPoolExecutor

    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1, user_api="blas")
    except Exception:  # no threadpoolctl: BLAS keeps its own threads
        limit = contextlib.nullcontext()
    workers = max(1, min(len(tasks), os.cpu_count() or 1, 8))
    with limit:
        if workers == 1:
            return [work(t) for t in tasks]
        with ThreadPoolExecutor(workers, thread_name_prefix="dedup") as pool:
            return list(pool.map(work, tasks))


def _upper_pairs(x: "np.ndarray", rows: "np.ndarray | None", r: int, threshold: float) -> tuple:
    """Pairs among x (or x[rows]) whose first member is in row block r..r+TILE (upper triangle)."""
    import numpy as np

    sub = x if rows is None else x[rows]
    block = sub[r:r + TILE]
    out_i, out_j, out_s = [], [], []
    for c in range(r, len(sub), TILE):
        sims = block @ sub[c:c + TILE].T
        ii, jj = np.nonzero(sims >= threshold)
        if c == r:
            keep = jj > ii
            ii, jj = ii[keep], jj[keep]
        if len(ii):
            out_s.append(sims[ii, jj])
            a, b = ii + r, jj + c
            if rows is not None:
                a, b = rows[a], rows[b]
            out_i.append(np.minimum(a, b))
            out_j.append(np.maximum(a, b))
    return out_i, out_j, out_s


def _gather(parts: list) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    out_i, out_j, out_s = [], [], []
    for i, j, s in parts:
        out_i += i
        out_j += j
        out_s += s
    return _joined(out_i, out_j, out_s)


def _exact_pairs(x: "np.ndarray", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """All pairs, compared tile by tile over the upper triangle (half the products of a full pass)."""
    n = x.shape[0]
    return _gather(_parallel(list(range(0, n, TILE)), lambda r: _upper_pairs(x, None, r, threshold)))


def _ivf_pairs(x: "np.ndarray", threshold: float, nprobe: int) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs within groups: each row joins the groups of its nprobe nearest k-means centroids, and
    the rows of each group are compared exactly (one matrix product per group).

    Two rows are compared when their nprobe nearest centroids share one; near-duplicates sit close
    together, so they share their nearest ones. With about nprobe * sqrt(n) groups, assigning
    rows and comparing within groups each cost about nprobe * n^1.5 * d multiply-adds.
    """
    import faiss
    import numpy as np

    n, d = x.shape
    nlist = max(8, min(n // 8, int(nprobe * math.sqrt(n))))
    rng = np.random.default_rng(0)
    sample = x if n <= 20 * nlist else x[np.sort(rng.choice(n, 20 * nlist, replace=False))]
    kmeans = faiss.Kmeans(d, nlist, niter=5, spherical=True, seed=1, min_points_per_centroid=1,
                          max_points_per_centroid=10_000)
    kmeans.train(sample)
    quantizer = faiss.IndexFlatIP(d)
    quantizer.add(kmeans.centroids)
    _, groups = quantizer.search(x, min(nprobe, nlist))
    flat = groups.ravel()
    rows_of = (np.argsort(flat, kind="stable") // groups.shape[1]).astype(np.int64)
    bounds = np.searchsorted(np.sort(flat), np.arange(nlist + 1))
    tasks = [(bounds[g], bounds[g + 1]) for g in range(nlist) if bounds[g + 1] - bounds[g] > 1]

    def within(span: tuple[int, int]) -> tuple:
        members = rows_of[span[0]:span[1]]
        parts = [_upper_pairs(x, members, r, threshold) for r in range(0, len(members), TILE)]
        return tuple(sum((p[k] for p in parts), []) for k in range(3))

    ii, jj, ss = _gather(_parallel(tasks, within))
    _, first = np.unique(ii * n + jj, return_index=True)
    return ii[first], jj[first], ss[first]


def _knn_pairs(x: "np.ndarray", threshold: float, k: int) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    import faiss
    import numpy as np

    n, d = x.shape
    index = faiss.IndexFlatIP(d)
    index.add(x)
    out_i, out_j, out_s = [], [], []
    for start in range(0, n, 4096):
        sims, nbrs = index.search(x[start:start + 4096], min(k + 1, n))
        rows = np.repeat(np.arange(start, start + len(sims), dtype=np.int64)[:, None], sims.shape[1], axis=1)
        nbrs = nbrs.astype(np.int64)
        keep = (nbrs >= 0) & (nbrs != rows) & (sims >= threshold)
        out_i.append(np.minimum(rows, nbrs)[keep])  # found from either end
        out_j.append(np.maximum(rows, nbrs)[keep])
        out_s.append(sims[keep])
    ii, jj, ss = _joined(out_i, out_j, out_s)
    _, first = np.unique(ii * n + jj, return_index=True)
    return ii[first], jj[first], ss[first]


def _joined(out_i: list, out_j: list, out_s: list) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    import numpy as np

    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return (np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64),
            np.concatenate(out_s).astype(np.float32))


def dedup_passages(passages: Sequence["Passage"], threshold: float = CHUNK_THRESHOLD, *,
                   vectors: Mapping[int, "np.ndarray"] | None = None) -> list["Passage"]:
    """Keep the first of each group of near-duplicate passages, in the given order.

    Passages whose chunk has a stored vector (vectors: chunk_id -> normalised vector) are compared
    by cosine (one duplicate_pairs pass, then a walk in order: a passage goes when it is close to
    one already kept); any passage is also dropped when its normalised text equals one kept.
    """
    import numpy as np

    with_vec = [pos for pos, p in enumerate(passages)
                if vectors is not None and vectors.get(p.chunk_id) is not None]
    earlier: dict[int, list[int]] = {}  # position -> earlier positions at cosine >= threshold
    if len(with_vec) > 1:
        assert vectors is not None
        matrix = np.vstack([np.asarray(vectors[passages[pos].chunk_id], dtype=np.float32) for pos in with_vec])
        for a, b, _ in duplicate_pairs(matrix, threshold):
            earlier.setdefault(with_vec[b], []).append(with_vec[a])
    kept: list[Passage] = []
    kept_pos: set[int] = set()
    seen_text: set[str] = set()
    for pos, p in enumerate(passages):
        key = normalise_text(p.text)
        if key in seen_text or any(e in kept_pos for e in earlier.get(pos, ())):
            continue
        seen_text.add(key)
        kept_pos.add(pos)
        kept.append(p)
    return kept
