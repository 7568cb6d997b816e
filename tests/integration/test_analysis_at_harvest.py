"""Analysis once (stored at harvest, read by generation) and a huge source never holding the queue."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from harvest_desktop.store import analyses as repo
from harvest_desktop.store import models as m
from tests.fixtures_acquire import fast_index
from tests.index_texts import PHOTOSYNTHESIS, VOLCANOES


@pytest.fixture(autouse=True)
def _fast_embedder(monkeypatch):
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "embed_texts", fast_index.fake_embed_texts)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def analyses_made(monkeypatch) -> list[int]:
    """Counts every analysis actually computed (at harvest or on a reader's need)."""
    from harvest_desktop.understand import analysis

    made: list[int] = []
    real = analysis.analyze_document

    def counting(doc, **kw):
        made.append(len(doc.text))
        return real(doc, **kw)

    monkeypatch.setattr(analysis, "analyze_document", counting)
    return made


def _version() -> int:
    from harvest_desktop.understand.analysis import ANALYSIS_VERSION

    return ANALYSIS_VERSION


def test_analysis_is_stored_at_harvest_and_read_by_generation(harvest_home, tmp_path, analyses_made):
    from harvest_desktop.library import Library

    lib = Library()
    try:
        lib.enqueue([_write(tmp_path, "photo.md", PHOTOSYNTHESIS), _write(tmp_path, "volc.md", VOLCANOES)])
        results = lib.harvest_sync()
        assert all(r.ok for r in results), [r.line() for r in results]
        ids = [s.id for s in lib.sources()]
        stored = repo.load_analyses(lib.db, ids, _version())
        assert sorted(stored) == sorted(ids)
        assert any("Calvin cycle" in row[0] for sid in ids for row in stored[sid]["sentences"])
        assert len(analyses_made) == 2  # one per source, at harvest
    finally:
        lib.close()

    lib = Library()  # a new process: the CLI's `harvest generate`
    try:
        out = lib.generate("study-guide")
        assert out.id is not None
        lib.concepts.analyse()
        assert len(analyses_made) == 2  # read, not redone
        # adding one source analyses that one only
        lib.enqueue([_write(tmp_path, "more.md", "# Glaciers\n\nA glacier is a slow river of ice. "
                                                  "Glaciers carve U-shaped valleys as they move.\n")])
        assert all(r.ok for r in lib.harvest_sync())
        assert len(analyses_made) == 3
        lib.generate("study-guide")
        assert len(analyses_made) == 3
    finally:
        lib.close()


def test_a_source_without_stored_analysis_is_analysed_once_on_need(library, tmp_path, analyses_made):
    library.enqueue([_write(tmp_path, "photo.md", PHOTOSYNTHESIS)])
    assert all(r.ok for r in library.harvest_sync())
    sid = library.sources()[0].id
    repo.delete_analyses(library.db, sid)  # as for a library harvested before analyses were stored
    before = len(analyses_made)
    library.generate("study-guide")
    library.generate("study-guide")
    assert len(analyses_made) == before + 1
    assert [v for v, _, _ in repo.analysis_info(library.db, sid)] == [_version()]
    library.remove(sid)
    assert repo.analysis_info(library.db, sid) == []


def test_twenty_megabytes_of_one_phrase_is_refused_and_the_queue_keeps_moving(library, tmp_path):
    phrase = "the same words over and over again "
    big = tmp_path / "drop" / "huge.txt"
    big.parent.mkdir(parents=True)
    big.write_text(phrase * (19_500_000 // len(phrase)), encoding="utf-8")  # one line, ~19.5 MB
    small = [_write(tmp_path / "drop", f"s{i}.md", f"# Note {i}\n\n" + PHOTOSYNTHESIS.replace("plants", f"plants{i}"))
             for i in range(3)]
    library.enqueue([big] + small)
    done_at: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_item(src: m.Source) -> None:
        if src.status in (m.READY, m.FAILED, m.DUPLICATE):
            done_at[src.name] = time.perf_counter() - t0

    results = library.harvest_sync(on_item=on_item)
    elapsed = time.perf_counter() - t0
    by_name = {Path(r.location).name: r for r in results}
    assert not by_name["huge.txt"].ok
    assert "repeated" in by_name["huge.txt"].message or "max characters" in by_name["huge.txt"].message
    assert all(by_name[p.name].ok for p in small)
    assert elapsed < 60, elapsed
    print(f"\n20 MB repeated phrase: refused in {done_at['huge.txt']:.1f} s; small items done at "
          + ", ".join(f"{done_at[p.name]:.1f} s" for p in small))


def test_small_items_are_indexed_between_the_slices_of_a_big_book(library, tmp_path, monkeypatch):
    """Embedding a big source goes in slices on the one index thread; items behind it get turns."""
    from harvest_desktop.index import embedder

    def slow_embed(texts, **kw):
        time.sleep(0.004 * len(texts))  # ~250 chunks/s: a big book takes seconds
        return fast_index.fake_embed_texts(texts)

    monkeypatch.setattr(embedder, "embed_texts", slow_embed)
    rng = np.random.default_rng(3)
    words = PHOTOSYNTHESIS.split() + VOLCANOES.split()
    paras = [" ".join(rng.choice(words, 150)) + "." for _ in range(1500)]  # ~1,500 chunks of varied text
    big = _write(tmp_path / "drop", "big.md", "# Big book\n\n" + "\n\n".join(paras))
    small = [_write(tmp_path / "drop", f"z{i}.md", f"# Small {i}\n\nA short note number {i} about lava.")
             for i in range(3)]
    library.enqueue([big] + small)
    done_at: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_item(src: m.Source) -> None:
        if src.status == m.READY:
            done_at[src.name] = time.perf_counter() - t0

    results = library.harvest_sync(on_item=on_item)
    assert all(r.ok for r in results), [r.line() for r in results]
    assert len(library.chunks([s.id for s in library.sources() if s.name == "big.md"])) > 1000
    for p in small:
        assert done_at[p.name] < done_at["big.md"] / 2, done_at
