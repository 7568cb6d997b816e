"""Library-level index operations: embeddings, the FAISS file, near-duplicate sources, search.

The database is the truth: the `embedding` table holds one normalised float32 vector per chunk;
the FAISS file beside the database (core.paths.index_dir()) is derived from it, checked against
it on open (count and ids) and repaired from the stored vectors - or from chunk text when vectors
are missing - whenever they disagree or the file is damaged, truncated or gone.

Near-duplicate sources: when a source is added, each of its chunks looks up its nearest chunks
among the other ready sources. For the few sources that come up, we compute the *coverage* of the
new source by that source: the mean, weighted by chunk length, of each new chunk's best cosine
against that source's chunks. A paraphrased or lightly edited copy covers ~0.9-1.0; a different
text on the same subject stays near 0.5-0.7. Coverage >= SOURCE_THRESHOLD is reported.

Search: the query's nearest chunks from FAISS, blended with SQLite FTS5 keyword matches. Every
candidate is scored by its exact cosine (from the stored vectors) plus KEYWORD_WEIGHT times its
normalised keyword rank, so an exact term match lifts a passage without drowning meaning.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from sqlalchemy import text as sql

from harvest_desktop.core import paths
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.settings import Settings
from harvest_desktop.store.db import Database

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from harvest_desktop.index.vectors import VectorIndex
    from harvest_desktop.understand.passages import Passage

log = logging.getLogger(__name__)

SOURCE_THRESHOLD = 0.85
CANDIDATE_NEIGHBOURS = 8
KEYWORD_WEIGHT = 0.15
SAVE_EVERY_S = 30.0  # big indexes are saved at most this often (and on close); small ones always


# Function words left out of a keyword query (see IndexService._keyword_rows).
FUNCTION_WORDS = frozenset("""
a an the of to in on at by for from with into onto upon about as and or nor but if so than then that
this these those is are was were be been being am do does did has have had it its he she they we you
his her their our your not no what which who whom whose when where why how can could will would shall
should may might must
""".split())


@dataclass
class NearDuplicate:
    source_id: int
    other_id: int
    similarity: float


@dataclass
class Hit:
    chunk_id: int
    source_id: int
    source_name: str
    page: int | None
    heading_path: str
    text: str
    score: float


class IndexService:
    def __init__(self, db: Database, settings: Settings, folder: Path | None = None) -> None:
        self.db = db
        self.settings = settings
        self.folder = Path(folder) if folder else paths.index_dir()
        self._lock = threading.RLock()
        self._vi: VectorIndex | None = None
        self._dirty = False
        self._last_save = 0.0
        self.last_report = ""
        self._just_embedded: list[int] = []  # chunk ids the last fill embedded

    # -- the model identity ---------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        from harvest_desktop.index.embedder import MODEL_NAME

        return MODEL_NAME

    @property
    def dim(self) -> int:
        from harvest_desktop.index.embedder import DIM

        return DIM

    # -- opening and repair ---------------------------------------------------------------------
    def _index(self) -> "VectorIndex":
        with self._lock:
            if self._vi is None:
                self.last_report = self._open_and_check()
                if self.last_report != "ok":
                    log.info("index repaired: %s", self.last_report)
            return self._vi  # type: ignore[return-value]

    def ensure_consistent(self, cancel: CancelToken = NEVER) -> str:
        """Bring the FAISS file in line with the database; returns what was repaired, or 'ok'."""
        with self._lock:
            if self._vi is None:
                self.last_report = self._open_and_check(cancel)
            else:
                self.last_report = self._reconcile(cancel)
            return self.last_report

    def _open_and_check(self, cancel: CancelToken = NEVER) -> str:
        from harvest_desktop.index.vectors import INDEX_FILE, VectorIndex

        notes: list[str] = []
        try:
            vi = VectorIndex.load(self.folder)
            if vi.model != self.model_name or vi.dim != self.dim:
                raise ValueError(f"index built with {vi.model}/{vi.dim}")
            if vi.token != self._db_token():
                # Saved before the database's last change (a crash between the two, or a copy
                # from elsewhere): chunk ids may have been reused, so ids alone cannot vouch for it.
                notes.append("index file out of date")
                vi = None
            self._vi = vi
        except FileNotFoundError:
            if (self.folder / INDEX_FILE).exists() or self._db_vector_count():
                notes.append("index file missing")
            self._vi = None
        except Exception as exc:  # damaged, truncated, foreign: it is derived data, rebuild it
            log.warning("index file unusable (%s); rebuilding", exc)
            notes.append(f"index file damaged ({exc.__class__.__name__})")
            self._vi = None
        if self._vi is None:
            self._rebuild(cancel)
            if notes:
                notes.append(f"rebuilt from {self._vi.count} stored vectors")
        rep = self._reconcile(cancel)
        if rep != "ok":
            notes.append(rep)
        return "; ".join(notes) or "ok"

    def _rebuild(self, cancel: CancelToken = NEVER) -> None:
        from harvest_desktop.index.vectors import VectorIndex

        self._fill_missing_vectors(cancel)
        ids, vecs = self._load_vectors(None)
        self._vi = VectorIndex.build(ids, vecs, self.dim, self.model_name)
        self._save(force=True)

    def _reconcile(self, cancel: CancelToken = NEVER) -> str:
        """Compare ids with the database; add what is missing, drop what is gone."""
        import numpy as np

        from harvest_desktop.index.vectors import FLAT_MAX

        notes: list[str] = []
        self._just_embedded = []
        embedded = self._fill_missing_vectors(cancel)
        vi = self._vi
        assert vi is not None
        if embedded:
            notes.append(f"embedded {embedded} chunk(s) that had no vector")
            # the index may hold older vectors under those ids: it must hold the ones just stored
            self._mark_changing()
            vi.remove(self._just_embedded)
        db_ids = self._db_vector_ids()
        if vi.count == len(db_ids) and np.array_equal(vi.ids(), db_ids):
            if notes:
                self._save(force=True)
            return "; ".join(notes) or "ok"
        idx_ids = vi.ids()
        extra = np.setdiff1d(idx_ids, db_ids, assume_unique=True)
        missing = np.setdiff1d(db_ids, idx_ids, assume_unique=True)
        if len(idx_ids) != len(np.unique(idx_ids)):
            self._rebuild(cancel)
            notes.append(f"index held repeated ids; rebuilt from {self._vi.count} stored vectors")
            return "; ".join(notes)
        self._mark_changing()
        if len(extra):
            vi.remove(extra)
            notes.append(f"removed {len(extra)} vector(s) of deleted chunks")
        if len(missing):
            ids, vecs = self._load_vectors(missing.tolist())
            vi.add(ids, vecs)
            notes.append(f"added {len(missing)} stored vector(s) the index lacked")
        if vi.kind == "flat" and vi.count > FLAT_MAX:
            self._rebuild(cancel)
            notes.append(f"switched to an approximate index at {vi.count} vectors")
        self._save(force=True)
        return "; ".join(notes) or "ok"

    # -- the saved-file token ---------------------------------------------------------------------
    def _db_token(self) -> str:
        with self.db.read() as s:
            row = s.exec(sql("SELECT value FROM index_state WHERE name = 'faiss_token'")).first()
        return row[0] if row else ""

    def _set_db_token(self, token: str) -> None:
        with self.db.write() as s:
            s.exec(sql("INSERT OR REPLACE INTO index_state(name, value) VALUES ('faiss_token', :v)")
                   .bindparams(v=token))

    def _mark_changing(self) -> None:
        """Before the in-memory index diverges from the saved file, stop vouching for that file."""
        if not self._dirty:
            self._set_db_token("changing")
            self._dirty = True

    # -- database access ------------------------------------------------------------------------
    def _db_vector_count(self) -> int:
        with self.db.read() as s:
            return int(s.exec(sql("SELECT count(*) FROM embedding")).one()[0])

    def _db_vector_ids(self) -> "np.ndarray":
        import numpy as np

        with self.db.read() as s:
            rows = s.exec(sql("SELECT chunk_id FROM embedding WHERE model = :m AND dim = :d ORDER BY chunk_id")
                          .bindparams(m=self.model_name, d=self.dim)).all()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def _load_vectors(self, chunk_ids: Sequence[int] | None) -> tuple["np.ndarray", "np.ndarray"]:
        """Stored vectors for the given chunk ids (all when None), in chunk-id order."""
        import numpy as np

        rows: list = []
        with self.db.read() as s:
            if chunk_ids is None:
                rows = list(s.exec(sql("SELECT chunk_id, vector FROM embedding WHERE model = :m AND dim = :d "
                                       "ORDER BY chunk_id").bindparams(m=self.model_name, d=self.dim)).all())
            else:
                wanted = sorted(set(int(i) for i in chunk_ids))
                for start in range(0, len(wanted), 900):
                    part = wanted[start:start + 900]
                    marks = ",".join(str(i) for i in part)  # ints only, never user text
                    rows.extend(s.exec(sql(f"SELECT chunk_id, vector FROM embedding WHERE model = :m AND dim = :d "
                                           f"AND chunk_id IN ({marks}) ORDER BY chunk_id")
                                       .bindparams(m=self.model_name, d=self.dim)).all())
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return ids, np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
        return ids, vecs

    def vectors_for(self, chunk_ids: Iterable[int]) -> dict[int, "np.ndarray"]:
        """Stored vectors by chunk id (chunks without one are absent)."""
        ids, vecs = self._load_vectors(list(chunk_ids))
        return {int(i): vecs[k] for k, i in enumerate(ids)}

    def _fill_missing_vectors(self, cancel: CancelToken = NEVER) -> int:
        """Drop vectors of another model; embed ready chunks that have none. Returns how many."""
        with self.db.write() as s:
            s.exec(sql("DELETE FROM embedding WHERE model != :m OR dim != :d")
                   .bindparams(m=self.model_name, d=self.dim))
        with self.db.read() as s:
            rows = s.exec(sql("SELECT c.id, c.text FROM chunk c JOIN source s ON s.id = c.source_id "
                              "LEFT JOIN embedding e ON e.chunk_id = c.id "
                              "WHERE s.status = 'ready' AND e.chunk_id IS NULL ORDER BY c.id")).all()
        if not rows:
            return 0
        from harvest_desktop.index.embedder import embed_texts

        vecs = embed_texts([r[1] for r in rows], cancel=cancel)
        self._just_embedded = self._store_vectors([r[0] for r in rows], vecs)
        return len(rows)

    def _store_vectors(self, chunk_ids: Sequence[int], vecs: "np.ndarray") -> list[int]:
        """Insert vectors for chunks that still exist; returns the ids actually stored."""
        if not len(chunk_ids):
            return []
        with self.db.write() as s:
            existing = set()
            ids = list(chunk_ids)
            for start in range(0, len(ids), 900):
                marks = ",".join(str(int(i)) for i in ids[start:start + 900])
                existing.update(r[0] for r in s.exec(sql(f"SELECT id FROM chunk WHERE id IN ({marks})")).all())
            params = [{"c": int(cid), "m": self.model_name, "d": self.dim, "v": vecs[k].astype("float32").tobytes()}
                      for k, cid in enumerate(ids) if cid in existing]
            if params:
                s.execute(sql("INSERT OR REPLACE INTO embedding(chunk_id, model, dim, vector) VALUES (:c, :m, :d, :v)"),
                          params)
        return [p["c"] for p in params]

    def _save(self, force: bool = False) -> None:
        from harvest_desktop.index.vectors import FLAT_MAX

        vi = self._vi
        if vi is None:
            return
        self._mark_changing()
        if force or vi.count <= FLAT_MAX or time.monotonic() - self._last_save > SAVE_EVERY_S:
            vi.save(self.folder)
            self._set_db_token(vi.token)
            self._dirty = False
            self._last_save = time.monotonic()

    # -- sources --------------------------------------------------------------------------------
    def source_chunks(self, source_id: int) -> tuple[list[int], list[str]]:
        """The source's chunk ids and texts, in reading order."""
        with self.db.read() as s:
            rows = s.exec(sql("SELECT id, text FROM chunk WHERE source_id = :s ORDER BY ord")
                          .bindparams(s=source_id)).all()
        return [int(r[0]) for r in rows], [r[1] for r in rows]

    def add_source(self, source_id: int, cancel: CancelToken) -> NearDuplicate | None:
        """Embed the source's chunks, store and index them; report a near-duplicate source.

        One call holds the caller's thread for the whole source; the harvest pipeline instead
        embeds in slices (services/indexing.py) so a huge source never holds the queue."""
        from harvest_desktop.index.embedder import embed_texts

        ids, texts = self.source_chunks(source_id)
        self._index()
        if not ids:
            return None
        vecs = embed_texts(texts, cancel=cancel)  # outside the lock: search goes on
        return self.add_vectors(source_id, ids, texts, vecs, cancel)

    def add_vectors(self, source_id: int, ids: Sequence[int], texts: Sequence[str], vecs: "np.ndarray",
                    cancel: CancelToken = NEVER) -> NearDuplicate | None:
        """Store and index vectors already made for the source's chunks; report a near-duplicate."""
        import numpy as np

        from harvest_desktop.index.vectors import FLAT_MAX

        vi = self._index()
        if not len(ids):
            return None
        ids = [int(i) for i in ids]
        rows = list(zip(ids, texts))
        cancel.check()
        with self._lock:
            stored = self._store_vectors(ids, vecs)
            keep = np.isin(np.asarray(ids), np.asarray(stored))
            self._mark_changing()
            vi.remove(ids)  # a re-harvest may reuse nothing, but never leave two copies
            vi.add(np.asarray(ids)[keep], vecs[keep])
            if vi.count != self._db_vector_count() or (vi.kind == "flat" and vi.count > FLAT_MAX):
                self._reconcile(cancel)  # chunks replaced or deleted behind our back
            else:
                self._save()
            weights = np.array([len(r[1]) for r in rows], dtype=np.float32)[keep]
            return self._near_duplicate(source_id, np.asarray(ids)[keep], vecs[keep], weights)

    def _near_duplicate(self, source_id: int, ids: "np.ndarray", vecs: "np.ndarray",
                        weights: "np.ndarray") -> NearDuplicate | None:
        import numpy as np

        vi = self._vi
        if vi is None or not len(ids) or vi.count <= len(ids):
            return None
        sims, nbrs = vi.search(vecs, CANDIDATE_NEIGHBOURS + 1)
        cand_chunks = sorted({int(c) for c in nbrs.ravel() if c >= 0} - set(int(i) for i in ids))
        if not cand_chunks:
            return None
        owner = self._ready_owners(cand_chunks, exclude=source_id)
        best_by_source: dict[int, float] = {}
        for row_s, row_n in zip(sims, nbrs):
            for sim, cid in zip(row_s, row_n):
                sid = owner.get(int(cid))
                if sid is not None:
                    best_by_source[sid] = max(best_by_source.get(sid, -1.0), float(sim))
        ranked = sorted(best_by_source.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        best: NearDuplicate | None = None
        for other, top in ranked:
            if top < SOURCE_THRESHOLD:
                continue
            with self.db.read() as s:
                other_ids = [r[0] for r in s.exec(sql("SELECT id FROM chunk WHERE source_id = :s")
                                                  .bindparams(s=other)).all()]
            _, ovecs = self._load_vectors(other_ids)
            if not len(ovecs):
                continue
            best_cos = np.concatenate([(vecs[i:i + 1024] @ ovecs.T).max(axis=1)  # in blocks: bounded memory
                                       for i in range(0, len(vecs), 1024)])
            coverage = float(np.average(best_cos, weights=weights))
            if coverage >= SOURCE_THRESHOLD and (best is None or coverage > best.similarity):
                best = NearDuplicate(source_id, other, round(min(1.0, coverage), 4))
        return best

    def _ready_owners(self, chunk_ids: Sequence[int], exclude: int) -> dict[int, int]:
        out: dict[int, int] = {}
        with self.db.read() as s:
            for start in range(0, len(chunk_ids), 900):
                marks = ",".join(str(int(i)) for i in chunk_ids[start:start + 900])
                for cid, sid in s.exec(sql(f"SELECT c.id, c.source_id FROM chunk c JOIN source s ON s.id = c.source_id "
                                           f"WHERE c.id IN ({marks}) AND s.status = 'ready' AND s.id != :x")
                                       .bindparams(x=exclude)).all():
                    out[int(cid)] = int(sid)
        return out

    def remove_source(self, source_id: int) -> None:
        with self.db.read() as s:
            ids = [r[0] for r in s.exec(sql("SELECT id FROM chunk WHERE source_id = :s")
                                        .bindparams(s=source_id)).all()]
        with self._lock:
            vi = self._index()
            if ids:
                self._mark_changing()
                if vi.remove(ids):
                    self._save()

    # -- search ---------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 10, *, mode: str = "blend") -> list[Hit]:
        """Best passages for the query: 'semantic', 'keyword', or 'blend' (default)."""
        if not query.strip() or limit <= 0:
            return []
        if mode == "keyword":
            return self._keyword_hits(query, limit)
        try:
            from harvest_desktop.index.embedder import embed_query

            qv = embed_query(query)
            vi = self._index()
        except Exception:  # no model, damaged install: keyword search still answers
            log.warning("semantic search unavailable; using keyword search", exc_info=True)
            return self._keyword_hits(query, limit)
        pool = max(limit * 4, 40)
        with self._lock:
            sims, nbrs = vi.search(qv, pool)
        cands: dict[int, float] = {int(c): 0.0 for c in (nbrs[0] if len(nbrs) else []) if c >= 0}
        if mode == "blend":
            kw = self._keyword_rows(query, pool)
            for rank, row in enumerate(kw):
                cands[int(row[0])] = max(cands.get(int(row[0]), 0.0), 1.0 - rank / max(1, len(kw)))
        if not cands:
            return self._keyword_hits(query, limit)
        vecs = self.vectors_for(cands)
        rows = self._chunk_rows(list(cands))
        hits: list[Hit] = []
        for cid, row in rows.items():
            v = vecs.get(cid)
            cos = float(v @ qv) if v is not None else 0.0
            score = cos + KEYWORD_WEIGHT * cands[cid]
            hits.append(Hit(cid, row[0], row[1], row[2], row[3], row[4], round(score, 4)))
        hits.sort(key=lambda h: (-h.score, h.chunk_id))
        return hits[:limit]

    def _chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, tuple]:
        out: dict[int, tuple] = {}
        with self.db.read() as s:
            for start in range(0, len(chunk_ids), 900):
                marks = ",".join(str(int(i)) for i in chunk_ids[start:start + 900])
                for r in s.exec(sql(f"SELECT c.id, c.source_id, s.name, c.page, c.heading_path, c.text "
                                    f"FROM chunk c JOIN source s ON s.id = c.source_id "
                                    f"WHERE c.id IN ({marks}) AND s.status = 'ready'")).all():
                    out[int(r[0])] = tuple(r[1:])
        return out

    def _keyword_rows(self, query: str, limit: int) -> list:
        terms = [t for t in re.findall(r"\w+", query) if len(t) > 1]
        if not terms:
            return []
        # Words nearly every passage holds ("the", "of") weigh nothing in BM25 but make SQLite score
        # every row: 18 of a search's 28 ms of CPU on a 1,000-page book. A query made only of them
        # still searches them.
        terms = [t for t in terms if t.casefold() not in FUNCTION_WORDS] or terms
        match = " OR ".join(f'"{t}"' for t in terms)
        # The best rows by BM25 first, from the full-text index alone; only those are joined to their
        # chunk and source (joining every match first read the text of every matching chunk: 18 ms
        # against 11 per query on a 1,000-page book). Rows of sources not ready are dropped after
        # the cut, so when the cut leaves too few the plain query answers.
        pool = limit * 3 + 20
        with self.db.read() as s:
            rows = list(s.exec(sql(
                "WITH best AS (SELECT rowid AS id, bm25(chunk_fts) AS rank FROM chunk_fts "
                "WHERE chunk_fts MATCH :q ORDER BY rank LIMIT :pool) "
                "SELECT c.id, c.source_id, s.name, c.page, c.heading_path, c.text, best.rank "
                "FROM best JOIN chunk c ON c.id = best.id JOIN source s ON s.id = c.source_id "
                "WHERE s.status = 'ready' ORDER BY best.rank, c.id LIMIT :n"
            ).bindparams(q=match, pool=pool, n=limit)).all())
            if len(rows) >= limit:
                return rows
            return list(s.exec(sql(
                "SELECT c.id, c.source_id, s.name, c.page, c.heading_path, c.text, bm25(chunk_fts) "
                "FROM chunk_fts JOIN chunk c ON c.id = chunk_fts.rowid JOIN source s ON s.id = c.source_id "
                "WHERE chunk_fts MATCH :q AND s.status = 'ready' ORDER BY bm25(chunk_fts) LIMIT :n"
            ).bindparams(q=match, n=limit)).all())

    def _keyword_hits(self, query: str, limit: int) -> list[Hit]:
        return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], -float(r[6])) for r in self._keyword_rows(query, limit)]

    # -- passages for generation ----------------------------------------------------------------
    def dedup_passages(self, passages: Sequence["Passage"], threshold: float | None = None) -> list["Passage"]:
        """Drop near-duplicate passages using the stored vectors (see index.dedup)."""
        from harvest_desktop.index.dedup import CHUNK_THRESHOLD, dedup_passages

        vecs = self.vectors_for(p.chunk_id for p in passages)
        return dedup_passages(passages, CHUNK_THRESHOLD if threshold is None else threshold, vectors=vecs)

    def close(self) -> None:
        with self._lock:
            if self._vi is not None and self._dirty:
                self._vi.save(self.folder)
                self._set_db_token(self._vi.token)
                self._dirty = False
            self._vi = None
