"""Near-duplicate chunks and passages from the embeddings.

Up to EXACT_MAX vectors every pair is compared, exactly: matrix products over the upper triangle
only, tile by tile (memory bounded by one tile). Past that, comparing all pairs grows with the
square of the library, so an inverted-file index (FAISS IVF: vectors grouped around k-means
centroids) finds the candidates: each vector looks only into the NPROBE groups nearest to it, and
every candidate is then checked with its exact cosine. A near-duplicate lies within a small angle
of its original, so it almost always shares a probed group; the share of the exact pairs found is
measured by tests/bench/bench_dedup.py (recall) and checked in tests/unit/test_index_dedup.py.
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
# Up to this many vectors the exact comparison is used; past it, the IVF index.
EXACT_MAX = 10_000
# Groups each vector looks into (of about 4 * sqrt(n)); more finds more pairs, slower.
NPROBE = 16


def normalise_text(text: str) -> str:
    """Case, width, punctuation and spacing folded away: what remains is the words in order."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"[^\w\s]", " ", norm)
    return re.sub(r"\s+", " ", norm).strip()


def duplicate_pairs(vectors: "np.ndarray", threshold: float = CHUNK_THRESHOLD,
                    k: int | None = None, *, exact: bool | None = None,
                    nprobe: int = NPROBE) -> list[tuple[int, int, float]]:
    """Every pair (i < j) of rows with cosine >= threshold, from normalised vectors, sorted.

    exact=None picks by size (exact up to EXACT_MAX rows, the IVF index past it); True or False
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


def _exact_pairs(x: "np.ndarray", threshold: float) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """All pairs, compared tile by tile over the upper triangle (half the products of a full pass)."""
    import numpy as np

    n = x.shape[0]
    out_i, out_j, out_s = [], [], []
    for r in range(0, n, TILE):
        rows = x[r:r + TILE]
        for c in range(r, n, TILE):
            sims = rows @ x[c:c + TILE].T
            ii, jj = np.nonzero(sims >= threshold)
            if c == r:
                keep = jj > ii
                ii, jj = ii[keep], jj[keep]
            if len(ii):
                out_s.append(sims[ii, jj])
                out_i.append(ii + r)
                out_j.append(jj + c)
    return _joined(out_i, out_j, out_s)


def _ivf_pairs(x: "np.ndarray", threshold: float, nprobe: int) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Candidates from a FAISS IVF range search (each row probes nprobe groups), exact cosines."""
    import faiss
    import numpy as np

    n, d = x.shape
    nlist = max(16, min(8192, int(4 * math.sqrt(n))))
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.min_points_per_centroid = 5  # small sets train on fewer points per group
    rng = np.random.default_rng(0)
    sample = x if n <= 40 * nlist else x[np.sort(rng.choice(n, 40 * nlist, replace=False))]
    index.train(sample)
    index.add(x)
    index.nprobe = min(nprobe, nlist)
    out_i, out_j, out_s = [], [], []
    for start in range(0, n, 16384):
        lims, sims, labels = index.range_search(x[start:start + 16384], float(threshold) - 1e-6)
        rows = np.repeat(np.arange(start, start + len(lims) - 1, dtype=np.int64), np.diff(lims.astype(np.int64)))
        # A pair is found from either end (each probes its own groups): keep both, order them.
        i, j = np.minimum(rows, labels), np.maximum(rows, labels)
        keep = (i != j) & (sims >= threshold)
        out_i.append(i[keep])
        out_j.append(j[keep])
        out_s.append(sims[keep])
    ii, jj, ss = _joined(out_i, out_j, out_s)
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
