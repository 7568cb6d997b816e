"""The answer cache: an exact hash of the request, then the semantic neighbour with the same sources.

A hit costs nothing and is marked cached. Entries carry the fingerprint of their sources' texts,
so an answer built on a text that has since changed is never returned (and is dropped).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

from harvest_desktop.ai.providers.base import GenRequest
from harvest_desktop.store import ai_repo
from harvest_desktop.store import models as m
from harvest_desktop.store.db import Database

SIMILARITY = 0.95  # cosine similarity of the request embeddings for a semantic hit

Embed = Callable[[str], "Sequence[float]"]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def exact_key(req: GenRequest, provider: str, model: str) -> str:
    payload = {"messages": [{"role": msg["role"], "content": _norm(msg["content"])} for msg in req.messages],
               "provider": provider, "model": model, "max": req.max_output_tokens,
               "temperature": round(req.temperature, 3), "schema": req.json_schema,
               "sources": req.source_fingerprint}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def source_key(source_ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(set(source_ids))).encode()).hexdigest()[:32]


def fingerprint(db: Database, source_ids: Sequence[int]) -> str:
    """Changes whenever one of these sources' texts changes (or one goes away)."""
    pairs = ai_repo.source_hashes(db, source_ids)
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]


@dataclass
class Hit:
    entry: m.AiCacheEntry
    kind: str  # "exact" | "semantic"
    similarity: float = 1.0


class AnswerCache:
    def __init__(self, db: Database, embed: Embed | None = None, threshold: float = SIMILARITY) -> None:
        self.db = db
        self.embed = embed
        self.threshold = threshold

    def lookup(self, req: GenRequest, provider: str, model: str) -> Hit | None:
        entry = ai_repo.cache_get_exact(self.db, exact_key(req, provider, model))
        if entry is not None and entry.source_fingerprint == req.source_fingerprint:
            ai_repo.cache_hit(self.db, entry.id)
            return Hit(entry, "exact")
        if self.embed is None or not req.query:
            return None
        candidates = ai_repo.cache_candidates(self.db, req.format, source_key(req.source_ids))
        stale = [c.id for c in candidates if c.source_fingerprint != req.source_fingerprint]
        if stale:
            ai_repo.cache_drop(self.db, stale)
        candidates = [c for c in candidates if c.source_fingerprint == req.source_fingerprint and c.embedding]
        if not candidates:
            return None
        import numpy as np

        q = np.asarray(self.embed(req.query), dtype="float32").reshape(-1)
        q = q / (np.linalg.norm(q) or 1.0)
        best, best_sim = None, -1.0
        for c in candidates:
            v = np.frombuffer(c.embedding, dtype="float32")
            if v.shape != q.shape:
                continue
            sim = float(np.dot(q, v))
            if sim > best_sim:
                best, best_sim = c, sim
        if best is not None and best_sim >= self.threshold:
            ai_repo.cache_hit(self.db, best.id)
            return Hit(best, "semantic", best_sim)
        return None

    def store(self, req: GenRequest, provider: str, model: str, text: str, tokens_in: int, tokens_out: int) -> None:
        blob = None
        if self.embed is not None and req.query:
            import numpy as np

            v = np.asarray(self.embed(req.query), dtype="float32").reshape(-1)
            v = v / (np.linalg.norm(v) or 1.0)
            blob = v.astype("float32").tobytes()
        entry = m.AiCacheEntry(exact_key=exact_key(req, provider, model), format=req.format,
                               source_key=source_key(req.source_ids), source_fingerprint=req.source_fingerprint,
                               provider=provider, model=model, embedding=blob, response=text,
                               tokens_in=tokens_in, tokens_out=tokens_out)
        ai_repo.cache_put(self.db, entry, req.source_ids)

    def drop_for_sources(self, source_ids: Sequence[int]) -> int:
        return ai_repo.cache_drop_for_sources(self.db, source_ids)
