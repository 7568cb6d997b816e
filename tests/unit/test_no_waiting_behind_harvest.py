"""A search's query is embedded at once while a harvest embeds, and an analysis does not set off
full garbage collections (both measured as the window's stalls: tests/bench/bench_ui_stall.py)."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np


def test_a_query_is_embedded_while_the_harvest_holds_the_shared_model():
    from harvest_desktop.index import embedder

    embedder.get_model()
    reference = embedder.get_model().encode(["where is carbon dioxide fixed"])[0]
    held = threading.Event()
    release = threading.Event()

    def harvest_batch() -> None:  # the harvest's turn on the shared model, held as a long batch would
        with embedder._encode_lock:
            held.set()
            release.wait(10)

    t = threading.Thread(target=harvest_batch)
    t.start()
    try:
        assert held.wait(5)
        started = time.perf_counter()
        got = embedder.embed_query("where is carbon dioxide fixed")
        took = time.perf_counter() - started
        assert not release.is_set() and t.is_alive()  # answered while the batch still held the model
        assert took < 5, took
    finally:
        release.set()
        t.join()
    assert embedder.get_query_model() is not embedder.get_model()  # its own session
    assert float(np.dot(got, reference)) > 0.999  # the same vector as the shared model's


def test_a_stand_in_embedder_embeds_queries_too(monkeypatch):
    """Tests (and tools) that swap embed_texts get their queries embedded the same way."""
    from harvest_desktop.index import embedder

    seen = []

    def fake(texts, **kw):
        seen.append(list(texts))
        return np.ones((len(texts), embedder.DIM), dtype=np.float32)

    monkeypatch.setattr(embedder, "embed_texts", fake)
    assert embedder.embed_query("volcano").shape == (embedder.DIM,)
    assert seen == [["volcano"]]


def test_no_full_collection_runs_while_held_and_thresholds_come_back():
    from harvest_desktop.core.gcquiet import HOLD_OFF, fewer_full_collections

    before = gc.get_threshold()
    full: list[int] = []

    def watch(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(watch)
    try:
        with fewer_full_collections():
            with fewer_full_collections():  # nested (two analyses at once): still held
                assert gc.get_threshold()[2] == HOLD_OFF
            assert gc.get_threshold()[2] == HOLD_OFF
            keep = [[i] for i in range(300_000)]  # many small containers, as an analysis makes
            assert not full
            del keep
        assert gc.get_threshold() == before
    finally:
        gc.callbacks.remove(watch)


def test_the_analysis_holds_off_full_collections():
    from harvest_desktop.core.document import Block, Document
    from harvest_desktop.understand.analysis import analyze_document

    full: list[int] = []

    def watch(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    text = " ".join(f"Photosynthesis step {i} turns light energy into sugar in the leaf {i % 7}." for i in range(20000))
    doc = Document(title="Leaves", blocks=[Block(text[i:i + 2000], page=1 + i // 4000) for i in range(0, len(text), 2000)])
    gc.callbacks.append(watch)
    try:
        assert analyze_document(doc).sentences
    finally:
        gc.callbacks.remove(watch)
    assert not full
