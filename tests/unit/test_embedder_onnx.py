"""The ONNX embedder gives sentence-transformers' vectors, without importing torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Photosynthesis is the process by which green plants convert light energy into chemical energy.",
    "short",
    "",
    "Ünïcode café naïve — résumé, Straße, 東京, emoji 🌋 and math ∑ x² ≤ 3.",
    # longer than the 128-word-piece window: both sides must truncate the same way
    " ".join(f"Volcano number {i} erupted basaltic lava across the plateau in year {1800 + i}." for i in range(80)),
    "The Calvin cycle fixes carbon dioxide into sugar in the stroma.\nRuBisCO catches CO2 from the air.",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    from harvest_desktop.index.embedder import SEQ_LEN, model_dir

    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.max_seq_length = SEQ_LEN  # the window Harvest embeds (the packaged config says 256)
    return model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True, batch_size=4)


def test_onnx_vectors_equal_sentence_transformers(reference):
    from harvest_desktop.index.embedder import load_backend

    onnx = load_backend("onnx")
    got = onnx.encode(TEXTS, batch_size=3)  # batches of mixed lengths: padding must not leak in
    assert got.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(got - reference).max() < 1e-4
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # order and batching do not change a text's vector
    alone = np.stack([onnx.encode([t])[0] for t in TEXTS])
    assert np.abs(alone - got).max() < 1e-4


def test_a_text_is_embedded_from_its_first_128_word_pieces():
    from harvest_desktop.index.embedder import SEQ_LEN, load_backend

    assert SEQ_LEN == 128
    model = load_backend("onnx-int8")
    head = " ".join(f"Glacier {i} carved a valley." for i in range(40))  # ~200 word pieces
    n = len(model.tokenizer.encode(head).ids)
    assert n == SEQ_LEN  # truncated to the window (special tokens included)
    tail_a = head + " The river then froze over for the winter."
    tail_b = head + " Markets in the capital sold bread and fish."
    changed = "Volcanoes" + head[len("Glacier"):]
    va, vb, vc = model.encode([tail_a, tail_b, changed])
    assert np.abs(va - vb).max() < 1e-6  # past the window: the same vector
    assert float(va @ vc) < 0.999  # inside it: a different one


def test_unsorted_and_sorted_batches_agree():
    from harvest_desktop.index.embedder import load_backend

    a = load_backend("onnx", sort=True).encode(TEXTS, batch_size=2)
    b = load_backend("onnx", sort=False).encode(TEXTS, batch_size=2)
    assert np.abs(a - b).max() < 1e-4


def test_identical_texts_are_embedded_once(monkeypatch):
    from harvest_desktop.index import embedder

    model = embedder.get_model()
    seen: list[str] = []
    real = model.encode

    def counting(texts, batch_size=None):
        seen.extend(texts)
        return real(texts, batch_size=batch_size)

    monkeypatch.setattr(model, "encode", counting)
    texts = ["alpha beta gamma", "delta", "alpha beta gamma", "delta", "epsilon"]
    vecs = embedder.embed_texts(texts)
    assert sorted(seen) == ["alpha beta gamma", "delta", "epsilon"]
    assert vecs.shape == (5, 384)
    assert np.array_equal(vecs[0], vecs[2]) and np.array_equal(vecs[1], vecs[3])
    assert not np.allclose(vecs[0], vecs[4])


def test_query_embedding_never_imports_torch(tmp_path):
    code = ("import sys\n"
            "from harvest_desktop.index.embedder import embed_query, get_model\n"
            "v = embed_query('what does the Calvin cycle fix?')\n"
            "print(type(get_model()).__name__, v.shape[0], round(float((v * v).sum()), 4))\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'spacy', 'scipy') "
            "if m in sys.modules))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HARVEST_HOME=str(tmp_path / "home"))
    env.pop("HARVEST_EMBED_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "OnnxEmbedder 384 1.0"
    assert lines[1] == "[]"


def test_int8_graph_is_close_but_not_equal(reference):
    from harvest_desktop.index.embedder import load_backend

    got = load_backend("onnx-int8").encode(TEXTS)
    cos = np.sum(got * reference, axis=1)
    assert cos.min() > 0.95  # quantised weights move vectors a little (see bench_embed_options)
    assert np.abs(got - reference).max() > 1e-4


def test_a_prebuilt_graph_is_used_as_the_bundle_ships_it(tmp_path, monkeypatch, reference):
    """packaging/harvest.spec writes harvest_models/minilm.onnx; the embedder takes it without the weights."""
    from harvest_desktop.index import embedder
    from harvest_desktop.index.onnx_model import build_onnx

    build_onnx(embedder.model_dir(), tmp_path / embedder.PREBUILT_NAME)
    monkeypatch.setenv("HARVEST_ONNX_DIR", str(tmp_path))
    model = embedder.load_backend("onnx")
    assert model.onnx_file == tmp_path / embedder.PREBUILT_NAME
    assert np.abs(model.encode(TEXTS) - reference).max() < 1e-4


def test_spacy_loads_without_importing_torch():
    code = ("import sys\n"
            "from harvest_desktop.understand import nlp\n"
            "assert nlp.get_nlp() is not None\n"
            "print('torch' in sys.modules)\n"
            "import torch\n"  # and torch still imports for whoever needs it later
            "print(torch.__name__)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "torch"]


def test_a_process_that_only_searches_loads_only_the_query_session():
    """`harvest search` embeds one query: the harvest's batch session is never built beside it."""
    import subprocess
    import sys

    code = ("from harvest_desktop.index import embedder as E\n"
            "v = E.embed_query('photosynthesis in the chloroplast')\n"
            "print(E._model is None, E._query_model is not None, v.shape)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["True", "True", "(384,)"], res.stdout
