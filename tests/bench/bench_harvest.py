"""Harvest throughput: 300 mixed local documents through the library vs the readers called directly.

Run: pytest tests/bench/bench_harvest.py -s   (prints figures; asserts nothing about time)
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from harvest_desktop.acquire import sandbox
from harvest_desktop.acquire.files import read_file
from harvest_desktop.core.settings import HarvestLimits
from tests.fixtures_acquire.make import write_mixed_corpus

N_FILES = 300

pytestmark = pytest.mark.bench


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return write_mixed_corpus(tmp_path_factory.mktemp("bench-corpus"), N_FILES)


def _line(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<52} {n:>4} files in {seconds:7.2f} s = {n / seconds:8.1f} files/s")


def test_readers_direct_vs_contained_vs_library(corpus):
    kinds = Counter(p.suffix for p in corpus)
    print(f"\nHarvest benchmark: {len(corpus)} files ({', '.join(f'{k}:{v}' for k, v in sorted(kinds.items()))})")

    # warm every reader's imports once so the direct loop measures parsing, not first imports
    seen: set[str] = set()
    for p in corpus:
        if p.suffix not in seen:
            seen.add(p.suffix)
            read_file(p)
    t = time.perf_counter()
    docs = [read_file(p, HarvestLimits()) for p in corpus]
    direct = time.perf_counter() - t
    _line("readers called directly (one thread, in process)", len(docs), direct)

    per_kind: dict[str, float] = {}
    for p in corpus:
        t = time.perf_counter()
        read_file(p)
        per_kind[p.suffix] = per_kind.get(p.suffix, 0.0) + time.perf_counter() - t
    print("  per format, ms per file: " + ", ".join(f"{k} {1000 * v / kinds[k]:.1f}" for k, v in sorted(per_kind.items())))

    sandbox.shutdown()
    t = time.perf_counter()
    docs = [sandbox.read_file_contained(p, HarvestLimits()) for p in corpus]
    contained_cold = time.perf_counter() - t
    _line("contained workers, one thread (cold pool)", len(docs), contained_cold)

    from concurrent.futures import ThreadPoolExecutor

    t = time.perf_counter()
    with ThreadPoolExecutor(4) as ex:
        docs = list(ex.map(lambda p: sandbox.read_file_contained(p, HarvestLimits()), corpus))
    contained_par = time.perf_counter() - t
    _line("contained workers, 4 threads (warm pool)", len(docs), contained_par)

    for label, fake in (("stand-in embedder", True), ("real embedding model", False)):
        _library_run(corpus, direct, label, fake)


def _library_run(corpus: list[Path], direct: float, label: str, fake_embedder: bool) -> None:
    import shutil
    import tempfile

    from harvest_desktop.core.settings import Settings
    from harvest_desktop.index import embedder, service
    from harvest_desktop.library import Library
    from tests.fixtures_acquire import fast_index

    saved = embedder.embed_texts
    if fake_embedder:
        embedder.embed_texts = fast_index.fake_embed_texts
    else:
        t = time.perf_counter()
        embedder.get_model()
        print(f"  (embedding model load, excluded below: {time.perf_counter() - t:.2f} s)")
    spent = {"index": 0.0, "store": 0.0}
    orig_add, orig_store = service.IndexService.add_source, Library._store_document

    def add(self, *a):
        t0 = time.perf_counter()
        try:
            return orig_add(self, *a)
        finally:
            spent["index"] += time.perf_counter() - t0

    def store(self, *a):
        t0 = time.perf_counter()
        try:
            return orig_store(self, *a)
        finally:
            spent["store"] += time.perf_counter() - t0

    service.IndexService.add_source, Library._store_document = add, store
    import os

    home = Path(tempfile.mkdtemp(prefix="harvest-bench-"))
    old_home = os.environ.get("HARVEST_HOME")
    os.environ["HARVEST_HOME"] = str(home)  # a fresh library and index folder per run
    lib = Library(settings=Settings())
    try:
        t = time.perf_counter()
        queued, _ = lib.enqueue([corpus[0].parent])
        enq = time.perf_counter() - t
        t = time.perf_counter()
        results = lib.harvest_sync()
        harvest = time.perf_counter() - t
    finally:
        lib.close()
        service.IndexService.add_source, Library._store_document = orig_add, orig_store
        embedder.embed_texts = saved
        if old_home is not None:
            os.environ["HARVEST_HOME"] = old_home
        shutil.rmtree(home, ignore_errors=True)
    ok = sum(r.ok for r in results)
    print(f"  Library with {label}:")
    _line("  enqueue (folder of 300)", len(queued), enq)
    _line("  harvest (parse + store + chunk + index)", len(results), harvest)
    _line("  enqueue + harvest", len(results), enq + harvest)
    print(f"    of which storing {spent['store']:.2f} s, index.add_source {spent['index']:.2f} s (serial, one thread each);"
          f" {ok} ok; pipeline / direct-reader time = {(enq + harvest) / direct:.1f}x")
    assert ok == len(corpus)
