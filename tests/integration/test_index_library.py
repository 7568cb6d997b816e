"""The semantic index inside the real pipeline: real model, real FAISS, real SQLite."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text as sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index_texts import PHOTOSYNTHESIS, PHOTOSYNTHESIS_PARAPHRASE, TREES, VOLCANOES  # noqa: E402

from harvest_desktop.core import paths  # noqa: E402
from harvest_desktop.index.service import IndexService  # noqa: E402
from harvest_desktop.index.vectors import INDEX_FILE  # noqa: E402


@pytest.fixture(scope="session")
def model():
    from harvest_desktop.index.embedder import get_model

    return get_model()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _db_ids(lib) -> np.ndarray:
    with lib.db.read() as s:
        return np.array([r[0] for r in s.exec(sql("SELECT chunk_id FROM embedding ORDER BY chunk_id")).all()])


def _chunk_ids(lib) -> np.ndarray:
    with lib.db.read() as s:
        return np.array([r[0] for r in s.exec(sql("SELECT id FROM chunk ORDER BY id")).all()])


def _consistent(lib, service: IndexService) -> bool:
    """Same ids in the index and the embedding table, and each id holds its stored vector."""
    vi = service._index()
    if vi.count != len(_db_ids(lib)) or not np.array_equal(vi.ids(), _db_ids(lib)):
        return False
    stored = service.vectors_for(_db_ids(lib).tolist())
    return all(np.allclose(vi.index.reconstruct(int(cid)), v, atol=1e-6) for cid, v in stored.items())


@pytest.fixture
def filled(library, tmp_path, model):
    docs = tmp_path / "docs"
    docs.mkdir()
    paths_ = [_write(docs, "photosynthesis.md", PHOTOSYNTHESIS), _write(docs, "volcanoes.md", VOLCANOES),
              _write(docs, "trees.md", TREES)]
    library.enqueue(paths_)
    results = library.harvest_sync()
    assert all(r.ok for r in results), [r.line() for r in results]
    return library, docs


def test_every_chunk_is_embedded_and_indexed(filled):
    lib, _ = filled
    assert len(_chunk_ids(lib)) > 3
    assert np.array_equal(_db_ids(lib), _chunk_ids(lib))
    assert _consistent(lib, lib.index)
    assert (paths.index_dir() / INDEX_FILE).exists()


def test_paraphrased_copy_is_reported_similar_and_different_texts_are_not(filled):
    lib, docs = filled
    assert all(s.similar_to is None for s in lib.sources())  # trees and photosynthesis share a subject
    lib.enqueue([_write(docs, "how-plants-eat.md", PHOTOSYNTHESIS_PARAPHRASE)])
    [result] = lib.harvest_sync()
    original = lib.find_source("photosynthesis.md")
    copy = lib.find_source("how-plants-eat.md")
    assert copy.similar_to == original.id
    assert copy.similarity >= 0.85
    assert "similar" in result.message and "photosynthesis.md" in result.message


def test_search_finds_the_right_passage_for_a_paraphrased_query(filled):
    lib, _ = filled
    hits = lib.index.search("where is carbon dioxide turned into sugar by plants", limit=3)
    assert hits and hits[0].source_name == "photosynthesis.md"
    assert "Calvin cycle" in hits[0].text
    hits = lib.index.search("the ancient Roman city destroyed by an eruption", limit=3, mode="semantic")
    assert "Pompeii" in hits[0].text
    assert hits[0].score > hits[-1].score or len(hits) == 1


def test_keyword_blend_lifts_an_exact_term(filled):
    lib, _ = filled
    hits = lib.index.search("RuBisCO", limit=2)
    assert "RuBisCO" in hits[0].text


def test_remove_keeps_index_and_database_in_step(filled):
    lib, _ = filled
    volc = lib.find_source("volcanoes.md")
    lib.remove(volc.id)
    assert _consistent(lib, lib.index)
    hits = lib.index.search("molten rock under the ground", limit=5)
    assert all(h.source_id != volc.id for h in hits)
    # and the saved file agrees after a fresh open
    lib.index.close()
    fresh = IndexService(lib.db, lib.settings)
    assert fresh.ensure_consistent() == "ok"
    assert _consistent(lib, fresh)


def test_deleted_index_file_is_rebuilt_from_stored_vectors(filled):
    lib, _ = filled
    lib.index.close()
    (paths.index_dir() / INDEX_FILE).unlink()
    fresh = IndexService(lib.db, lib.settings)
    report = fresh.ensure_consistent()
    assert "missing" in report and "rebuilt" in report
    assert _consistent(lib, fresh)
    assert fresh.search("lava and ash", limit=1)[0].source_name == "volcanoes.md"


def test_truncated_index_file_is_rebuilt(filled):
    lib, _ = filled
    lib.index.close()
    f = paths.index_dir() / INDEX_FILE
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    fresh = IndexService(lib.db, lib.settings)
    report = fresh.ensure_consistent()
    assert "damaged" in report
    assert _consistent(lib, fresh)


def test_garbage_index_file_with_matching_size_is_rebuilt(filled):
    lib, _ = filled
    lib.index.close()
    f = paths.index_dir() / INDEX_FILE
    f.write_bytes(b"\0" * len(f.read_bytes()))
    fresh = IndexService(lib.db, lib.settings)
    assert "damaged" in fresh.ensure_consistent()
    assert _consistent(lib, fresh)


def test_stale_index_file_with_reused_chunk_ids_is_not_trusted(filled, tmp_path):
    lib, docs = filled
    lib.index.close()
    stale = (paths.index_dir() / INDEX_FILE).read_bytes()
    stale_meta = (paths.index_dir() / "chunks.json").read_bytes()
    lib.remove(lib.find_source("trees.md").id)
    lib.enqueue([_write(docs, "copy.md", VOLCANOES.replace("Volcanoes", "Fire mountains") + "\nExtra line.")])
    lib.harvest_sync()
    lib.index.close()
    (paths.index_dir() / INDEX_FILE).write_bytes(stale)
    (paths.index_dir() / "chunks.json").write_bytes(stale_meta)
    fresh = IndexService(lib.db, lib.settings)
    report = fresh.ensure_consistent()
    assert "out of date" in report and "rebuilt" in report
    assert _consistent(lib, fresh)
    assert all(h.source_name != "trees.md" for h in fresh.search("roots of trees take up water", limit=5))


def test_index_saved_then_database_changed_by_another_path_is_reconciled_by_ids(filled):
    lib, _ = filled
    lib.index.close()
    trees = lib.find_source("trees.md")
    n = len(lib.chunks([trees.id]))
    with lib.db.write() as s:  # chunks deleted without telling the index (e.g. an older build)
        s.exec(sql("DELETE FROM chunk WHERE source_id = :s").bindparams(s=trees.id))
    fresh = IndexService(lib.db, lib.settings)
    report = fresh.ensure_consistent()
    assert report == f"removed {n} vector(s) of deleted chunks"
    assert _consistent(lib, fresh)


def test_missing_vectors_are_embedded_from_text(filled):
    lib, _ = filled
    with lib.db.write() as s:
        s.exec(sql("DELETE FROM embedding WHERE chunk_id IN (SELECT id FROM chunk ORDER BY id LIMIT 2)"))
    lib.index.close()
    fresh = IndexService(lib.db, lib.settings)
    report = fresh.ensure_consistent()
    assert "embedded 2" in report
    assert np.array_equal(_db_ids(lib), _chunk_ids(lib))
    assert _consistent(lib, fresh)


def test_service_dedup_passages_uses_stored_vectors(filled):
    from harvest_desktop.understand.passages import load_passages

    lib, docs = filled
    lib.enqueue([_write(docs, "how-plants-eat.md", PHOTOSYNTHESIS_PARAPHRASE)])
    lib.harvest_sync()
    passages = load_passages(lib.db)
    kept = lib.index.dedup_passages(passages)
    names = {p.source_name for p in kept}
    assert {"photosynthesis.md", "volcanoes.md", "trees.md"} <= names
    assert all(p.source_name != "how-plants-eat.md" for p in kept)
    assert len(kept) < len(passages)
