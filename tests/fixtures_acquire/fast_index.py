"""A stand-in embedder for harvesting tests: deterministic vectors from a hash, no model load.

Harvesting tests check what reaches the library, not retrieval quality; the real model is
exercised by the index tests.
"""

from __future__ import annotations

import hashlib


def fake_embed_texts(texts, *, cancel=None, on_batch=None, batch_size=32):
    import numpy as np

    from harvest_desktop.index.embedder import DIM

    out = np.empty((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(t.encode("utf-8", "replace")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


def install() -> None:
    from harvest_desktop.index import embedder

    embedder.embed_texts = fake_embed_texts
