"""Background work runs below the window's priority when the window asks for it (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")


def _nice_in_worker(executor) -> int:
    return executor.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result(10)


def test_library_workers_run_nicer_only_when_asked(monkeypatch):
    from harvest_desktop.library import Library

    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    lib = Library()  # the CLI's case: nothing asked
    try:
        ctx = lib._ctx
        assert _nice_in_worker(ctx.index_executor) == base
    finally:
        lib.close()
    monkeypatch.setenv("HARVEST_BACKGROUND_NICE", "7")
    lib = Library()
    try:
        ctx = lib._ctx
        for executor in (ctx.index_executor, ctx.analysis_executor, ctx.parse_executor):
            assert _nice_in_worker(executor) == min(19, base + 7)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # the caller keeps its own
    finally:
        lib.close()


def test_a_contained_parser_process_runs_nicer_and_a_model_pool_inherits(monkeypatch):
    from harvest_desktop.acquire import sandbox
    from harvest_desktop.app import _load_at_background_priority

    base = os.getpriority(os.PRIO_PROCESS, 0)
    # A parser process (and its forkserver) started before the window asked never saw the setting.
    early = sandbox.WorkerPool(1)
    try:
        assert early.run("os:getpriority", (os.PRIO_PROCESS, 0), timeout_s=60, memory_mb=1024, item="early") == base
    finally:
        early.shutdown()
    monkeypatch.setenv("HARVEST_BACKGROUND_NICE", "5")
    seen: list[int] = []

    def load():  # stands for a model session that starts its own thread pool
        t = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        t.start()
        t.join()

    _load_at_background_priority(load)
    assert seen == [min(19, base + 5)]
    pool = sandbox.WorkerPool(1)  # started after the window asked: its parent hands the priority over
    try:
        nice = pool.run("os:getpriority", (os.PRIO_PROCESS, 0), timeout_s=60, memory_mb=1024, item="probe")
        assert nice == min(19, base + 5)
    finally:
        pool.shutdown()


def test_the_embedding_pool_runs_at_the_background_priority_whoever_starts_it(monkeypatch):
    import numpy as np

    from harvest_desktop.index.embedder import load_backend

    base = os.getpriority(os.PRIO_PROCESS, 0)
    monkeypatch.setenv("HARVEST_BACKGROUND_NICE", "4")
    model = load_backend("onnx-int8", threads=2, batch_size=2)
    seen: list[int] = []
    real_run = model.session.run

    def run(*a, **kw):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real_run(*a, **kw)

    monkeypatch.setattr(model.session, "run", run, raising=False)
    texts = [f"Passage {i} about rivers, glaciers and the valleys they carve." * (1 + i % 3) for i in range(9)]
    together = model.encode(texts)  # started from this (normal-priority) thread
    assert len(seen) == 5 and set(seen) == {min(19, base + 4)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
    one = load_backend("onnx-int8", threads=1, batch_size=2).encode(texts)  # one batch after another
    assert np.abs(together - one).max() < 1e-5
