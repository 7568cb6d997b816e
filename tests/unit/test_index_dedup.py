"""Near-duplicate detection and the FAISS wrapper, with the real model and real FAISS."""

from __future__ import annotations

import numpy as np
import pytest

from harvest_desktop.index.dedup import dedup_passages, duplicate_pairs
from harvest_desktop.index.vectors import VectorIndex
from harvest_desktop.understand.passages import Passage

ORIGINAL = ("The Calvin cycle is a series of reactions that fixes carbon dioxide into sugar. It takes place in the "
            "stroma, the fluid that surrounds the thylakoids.")
PARAPHRASE = ("The Calvin cycle is a sequence of reactions fixing carbon dioxide into sugar. It happens in the "
              "stroma, the liquid around the thylakoids.")
SAME_SUBJECT = ("Chlorophyll is a green pigment in the chloroplast that absorbs red and blue light and reflects "
                "green light.")
OTHER = "Mount Vesuvius is located in Italy; its eruption in 79 AD buried the Roman town of Pompeii under ash."


@pytest.fixture(scope="session")
def embed():
    from harvest_desktop.index.embedder import embed_texts

    return embed_texts


def _p(i: int, text: str) -> Passage:
    return Passage(i, i, f"s{i}.md", None, "", text)


def test_paraphrased_passage_is_dropped_different_ones_kept(embed):
    ps = [_p(1, ORIGINAL), _p(2, SAME_SUBJECT), _p(3, PARAPHRASE), _p(4, OTHER)]
    vecs = embed([p.text for p in ps])
    kept = dedup_passages(ps, vectors={p.chunk_id: v for p, v in zip(ps, vecs)})
    assert [p.chunk_id for p in kept] == [1, 2, 4]


def test_without_vectors_only_normalised_text_equality_counts():
    ps = [_p(1, ORIGINAL), _p(2, "  " + ORIGINAL.upper().replace(".", " !")), _p(3, PARAPHRASE)]
    assert [p.chunk_id for p in dedup_passages(ps)] == [1, 3]


def test_duplicate_pairs_match_brute_force():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 64)).astype(np.float32)
    x[1500:1520] = x[:20] + rng.normal(scale=0.1, size=(20, 64))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pairs = duplicate_pairs(x, 0.9)
    sims = x @ x.T
    ii, jj = np.where(np.triu(sims >= 0.9, k=1))
    assert {(i, j) for i, j, _ in pairs} == set(zip(ii.tolist(), jj.tolist()))
    assert len(pairs) >= 20
    assert {(i, j) for i, j, _ in duplicate_pairs(x, 0.9, k=5)} == {(i, j) for i, j, _ in pairs}


@pytest.mark.parametrize("flat_max", [100_000, 1_000])
def test_vector_index_add_remove_search_save_load(tmp_path, flat_max):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(10, 5010, dtype=np.int64)
    vi = VectorIndex.build(ids, x, 32, "m", flat_max=flat_max)
    assert vi.kind == ("flat" if flat_max > 5000 else "ivf")
    assert np.array_equal(vi.ids(), ids)
    _, found = vi.search(x[:50], 1)
    assert (found[:, 0] == ids[:50]).mean() >= 0.95
    assert vi.remove(ids[:100]) == 100
    assert vi.count == 4900 and not set(ids[:100]) & set(vi.ids().tolist())
    vi.save(tmp_path)
    again = VectorIndex.load(tmp_path)
    assert again.kind == vi.kind and again.token == vi.token and np.array_equal(again.ids(), vi.ids())
    data = (tmp_path / "chunks.faiss").read_bytes()
    (tmp_path / "chunks.faiss").write_bytes(data[:-100])
    with pytest.raises(Exception):
        VectorIndex.load(tmp_path)


def _clustered(n: int, d: int, copies: int, seed: int) -> np.ndarray:
    """Vectors around a few hundred topics (as real chunks are), with near-copies planted."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(300, d))
    x = topics[rng.integers(0, 300, n)] + rng.normal(scale=0.8, size=(n, d))
    src = rng.choice(n - copies, copies, replace=False)
    x[n - copies:] = x[src] + rng.normal(scale=0.15, size=(copies, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def test_grouped_path_finds_nearly_every_exact_pair_and_nothing_else():
    x = _clustered(12_000, 48, 400, seed=3)
    exact = {(i, j): s for i, j, s in duplicate_pairs(x, 0.9, exact=True)}
    approx = duplicate_pairs(x, 0.9)  # past EXACT_MAX: compared within groups
    assert len(exact) >= 400
    found = {(i, j) for i, j, _ in approx}
    assert found <= set(exact)  # every candidate is checked with its exact cosine
    assert len(found) / len(exact) >= 0.95
    assert all(abs(s - exact[(i, j)]) < 1e-4 and i < j for i, j, s in approx)
    assert approx == sorted(approx)


def test_dedup_passages_matches_the_one_by_one_walk():
    x = _clustered(1_500, 32, 300, seed=4)
    ps = [_p(i, f"passage {i}") for i in range(len(x))]
    vecs = {p.chunk_id: v for p, v in zip(ps, x)}
    kept, kept_vecs = [], []
    for p in ps:  # the plain definition: drop a passage close to one already kept
        v = vecs[p.chunk_id]
        if kept_vecs and float((np.vstack(kept_vecs) @ v).max()) >= 0.9:
            continue
        kept.append(p.chunk_id)
        kept_vecs.append(v)
    assert len(kept) < len(ps)
    assert [p.chunk_id for p in dedup_passages(ps, vectors=vecs)] == kept
