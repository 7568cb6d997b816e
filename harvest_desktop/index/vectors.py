"""The FAISS file beside the database: exact while small, IVF past a measured size; derived data.

Kinds:
- "flat": IndexIDMap2(IndexFlatIP) - exact cosine (vectors are L2-normalised).
- "ivf":  IndexIVFScalarQuantizer (8-bit, inner product) with chunk ids, trained on the stored
          vectors. Chosen once the library passes FLAT_MAX vectors: tests/bench/bench_search.py
          measured flat search at ~1 ms for 10k, tens of ms from 100k on this class of machine,
          while IVF stays at a few ms at 1M with a quarter of the memory.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from harvest_desktop.core.settings import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

FLAT_MAX = 50_000
INDEX_FILE = "chunks.faiss"
META_FILE = "chunks.json"


def nlist_for(n: int) -> int:
    """IVF cells: ~2*sqrt(n) (2,000 at 1M), at least 64; training takes 40 points per cell."""
    return int(max(64, 2 * math.sqrt(max(n, 1))))


def nprobe_for(nlist: int) -> int:
    return max(8, nlist // 32)


FEW_QUERIES = 8  # up to this many queries at once are searched on one thread (see VectorIndex.search)


class VectorIndex:
    """Wraps one FAISS index; ids are chunk ids; all vectors are normalised float32."""

    def __init__(self, index, kind: str, dim: int, model: str, token: str = "") -> None:
        self.index = index
        self.kind = kind
        self.dim = dim
        self.model = model
        self.token = token  # names this saved state; the database records the last one saved

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def empty(cls, dim: int, model: str) -> "VectorIndex":
        import faiss

        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), "flat", dim, model)

    @classmethod
    def build(cls, ids: "np.ndarray", vectors: "np.ndarray", dim: int, model: str,
              flat_max: int = FLAT_MAX) -> "VectorIndex":
        """Pick the kind by size and add everything; IVF is trained on (a sample of) the vectors."""
        import faiss
        import numpy as np

        n = len(ids)
        if n <= flat_max:
            vi = cls.empty(dim, model)
            if n:
                vi.add(ids, vectors)
            return vi
        nlist = nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors if n <= nlist * 40 else vectors[np.sort(rng.choice(n, nlist * 40, replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = nprobe_for(nlist)
        vi = cls(index, "ivf", dim, model)
        vi.add(ids, vectors)
        return vi

    # -- persistence ------------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path) -> "VectorIndex":
        """Read the file; raises on anything missing, damaged or inconsistent with its metadata."""
        import faiss

        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        data = (folder / INDEX_FILE).read_bytes()
        if len(data) != meta["bytes"]:
            raise ValueError(f"index file has {len(data)} bytes, expected {meta['bytes']}")
        import numpy as np

        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if index.d != meta["dim"] or index.ntotal != meta["count"]:
            raise ValueError("index file disagrees with its metadata")
        if meta["kind"] == "ivf":
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = meta.get("nprobe", nprobe_for(ivf.nlist))
        return cls(index, meta["kind"], meta["dim"], meta["model"], meta.get("token", ""))

    def save(self, folder: Path) -> None:
        """Atomic: the index file, then the metadata that vouches for it, under a fresh token."""
        import uuid

        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self.index).tobytes()
        self.token = uuid.uuid4().hex
        meta = {"kind": self.kind, "dim": self.dim, "model": self.model, "count": int(self.index.ntotal),
                "bytes": len(data), "token": self.token}
        if self.kind == "ivf":
            meta["nprobe"] = int(faiss.extract_index_ivf(self.index).nprobe)
        atomic_write_bytes(folder / INDEX_FILE, data)
        atomic_write_text(folder / META_FILE, json.dumps(meta))

    @staticmethod
    def delete_files(folder: Path) -> None:
        for name in (INDEX_FILE, META_FILE):
            try:
                os.unlink(folder / name)
            except FileNotFoundError:
                pass

    # -- operations -------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: "np.ndarray", vectors: "np.ndarray") -> None:
        import numpy as np

        if len(ids) == 0:
            return
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids) -> int:
        import faiss
        import numpy as np

        arr = np.ascontiguousarray(np.asarray(list(ids), dtype=np.int64))
        if len(arr) == 0 or self.count == 0:
            return 0
        return int(self.index.remove_ids(faiss.IDSelectorBatch(len(arr), faiss.swig_ptr(arr))))

    def search(self, queries: "np.ndarray", k: int) -> tuple["np.ndarray", "np.ndarray"]:
        import faiss
        import numpy as np

        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.count == 0:
            return (np.zeros((len(q), 0), dtype=np.float32), np.zeros((len(q), 0), dtype=np.int64))
        if len(q) > FEW_QUERIES:
            return self.index.search(q, min(k, self.count))
        # A person's query or two: OpenMP threads only spin and wait on each other. Measured on a
        # 676-vector index on two busy cores: 8.2 ms of CPU and 67 ms per query with two threads,
        # 0.05 ms and 1 ms with one (50,000 vectors: 40 ms against 8 ms of CPU). The setting is
        # this thread's own (an OpenMP per-thread value), so it is put back for whoever comes next.
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self.index.search(q, min(k, self.count))
        finally:
            faiss.omp_set_num_threads(before)

    def ids(self) -> "np.ndarray":
        """Every chunk id held, sorted."""
        import faiss
        import numpy as np

        if self.kind == "flat":
            return np.sort(faiss.vector_to_array(self.index.id_map).astype(np.int64))
        ivf = faiss.extract_index_ivf(self.index)
        inv = ivf.invlists
        parts = []
        for lst in range(ivf.nlist):
            size = inv.list_size(lst)
            if size:
                parts.append(faiss.rev_swig_ptr(inv.get_ids(lst), size).copy())
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def memory_bytes(self) -> int:
        import faiss

        return len(faiss.serialize_index(self.index))
