"""Contained parsing: results come back intact; slow or greedy jobs cost one worker, not the app."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from harvest_desktop.acquire import sandbox
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits


def test_documents_and_known_errors_cross_the_boundary(tmp_path):
    p = tmp_path / "notes.md"
    p.write_text("# Title\n\nBody text.\n", encoding="utf-8")
    doc = sandbox.read_file_contained(p, HarvestLimits())
    assert doc.title == "Title" and doc.blocks[1].heading_path == ("Title",)
    assert doc.attribution.location == str(p)
    with pytest.raises(BadInput) as err:
        sandbox.read_file_contained(tmp_path / "missing.pdf", HarvestLimits())
    assert "does not exist" in str(err.value)


def test_timeout_kills_the_worker_and_names_the_setting(tmp_path):
    limits = HarvestLimits(parse_timeout_s=0.5)
    with pytest.raises(LimitExceeded) as err:
        sandbox.run_contained("time:sleep", 30, limits=limits, item="slow-file")
    assert "parse timeout" in str(err.value) and "slow-file" in str(err.value)
    p = tmp_path / "after.txt"
    p.write_text("Still working.", encoding="utf-8")
    assert sandbox.read_file_contained(p, HarvestLimits()).text == "Still working."


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is applied on Linux only")
def test_memory_limit_names_the_setting():
    limits = HarvestLimits(parse_memory_mb=700)
    with pytest.raises(LimitExceeded) as err:
        sandbox.run_contained("builtins:bytearray", 4 * 1024**3, limits=limits, item="greedy-file")
    assert "parse memory" in str(err.value) and "greedy-file" in str(err.value)


def test_worker_crash_is_one_items_error(tmp_path):
    with pytest.raises(BadInput) as err:
        sandbox.run_contained("os:_exit", 3, limits=HarvestLimits(), item="crashy-file")
    assert "crashed" in str(err.value) and "crashy-file" in str(err.value)
    p = tmp_path / "ok.txt"
    p.write_text("Fine again.", encoding="utf-8")
    assert sandbox.read_file_contained(p, HarvestLimits()).text == "Fine again."


def test_many_threads_share_the_pool(tmp_path):
    paths = []
    for i in range(60):
        p = tmp_path / f"f{i}.txt"
        p.write_text(f"File number {i}.", encoding="utf-8")
        paths.append(p)
    with ThreadPoolExecutor(8) as ex:
        docs = list(ex.map(lambda p: sandbox.read_file_contained(p, HarvestLimits()), paths))
    assert [d.text for d in docs] == [f"File number {i}." for i in range(60)]


def test_shutdown_is_repeatable(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("x text", encoding="utf-8")
    sandbox.read_file_contained(p, HarvestLimits())
    sandbox.shutdown()
    sandbox.shutdown()
    assert sandbox.read_file_contained(p, HarvestLimits()).text == "x text"  # a new pool starts on demand
