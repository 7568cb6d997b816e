"""Near-duplicate chunks and passages from the embeddings, found with FAISS instead of all pairs."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from harvest_desktop.understand.passages import Passage

# Cosine between MiniLM vectors above which two passages say the same thing. Paraphrased or
# lightly edited copies score ~0.9-0.99; different passages on one subject rarely pass 0.8.
CHUNK_THRESHOLD = 0.9
# Rows per block when every vector is compared with every other (bounds memory to block x n).
BLOCK = 4096


def normalise_text(text: str) -> str:
    """Case, width, punctuation and spacing folded away: what remains is the words in order."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"[^\w\s]", " ", norm)
    return re.sub(r"\s+", " ", norm).strip()


def duplicate_pairs(vectors: "np.ndarray", threshold: float = CHUNK_THRESHOLD,
                    k: int | None = None) -> list[tuple[int, int, float]]:
    """Every pair (i < j) of rows with cosine >= threshold, from normalised vectors.

    Exact: FAISS inner-product range search, block by block. With k set, only each row's k
    nearest neighbours are considered (for very large sets; misses pairs beyond the k-th).
    """
    import faiss
    import numpy as np

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = x.shape if x.ndim == 2 else (0, 0)
    if n < 2:
        return []
    index = faiss.IndexFlatIP(d)
    index.add(x)
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, n, BLOCK):
        q = x[start:start + BLOCK]
        if k is not None:
            sims, nbrs = index.search(q, min(k + 1, n))
            for r in range(len(q)):
                i = start + r
                for sim, j in zip(sims[r], nbrs[r]):
                    if j > i and sim >= threshold:
                        pairs.append((i, int(j), float(sim)))
            continue
        lims, dist, labels = index.range_search(q, float(threshold) - 1e-6)
        for r in range(len(q)):
            i = start + r
            for p in range(lims[r], lims[r + 1]):
                j = int(labels[p])
                if j > i:
                    pairs.append((i, j, float(dist[p])))
    pairs.sort()
    return pairs


def dedup_passages(passages: Sequence["Passage"], threshold: float = CHUNK_THRESHOLD, *,
                   vectors: Mapping[int, "np.ndarray"] | None = None) -> list["Passage"]:
    """Keep the first of each group of near-duplicate passages, in the given order.

    Passages whose chunk has a stored vector (vectors: chunk_id -> normalised vector) are compared
    by cosine; any passage is also dropped when its normalised text equals one already kept.
    """
    import numpy as np

    kept: list[Passage] = []
    seen_text: set[str] = set()
    kept_vecs: list[np.ndarray] = []
    matrix: np.ndarray | None = None
    for p in passages:
        key = normalise_text(p.text)
        if key in seen_text:
            continue
        v = vectors.get(p.chunk_id) if vectors else None
        if v is not None:
            if kept_vecs:
                if matrix is None or len(matrix) != len(kept_vecs):
                    matrix = np.vstack(kept_vecs)
                if float((matrix @ v).max()) >= threshold:
                    continue
            kept_vecs.append(np.asarray(v, dtype=np.float32))
        seen_text.add(key)
        kept.append(p)
    return kept
