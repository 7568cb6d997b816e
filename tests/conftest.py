"""Every test starts clean: offscreen Qt, its own HARVEST_HOME, no network but loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """A crash in native code prints the crashing thread alone, right under "Fatal Python error".

    pytest dumps every thread; with a dozen idle worker threads the one that crashed scrolls out of
    the part of the log a CI summary keeps. The crashing thread's stack is what names the fault.
    """
    import faulthandler

    try:  # the descriptor pytest's own faulthandler plugin writes to (the real stderr, not captured)
        from _pytest.faulthandler import fault_handler_stderr_fd_key

        fd = config.stash[fault_handler_stderr_fd_key]
    except (ImportError, KeyError):
        return
    faulthandler.enable(file=fd, all_threads=False)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def harvest_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory per test; every path the app writes goes under it."""
    home = tmp_path / "harvest-home"
    monkeypatch.setenv("HARVEST_HOME", str(home))
    # a window made by a test asks for background priority; it ends with the test (monkeypatch)
    monkeypatch.delenv("HARVEST_BACKGROUND_NICE", raising=False)
    return home


@pytest.fixture(autouse=True)
def _restore_embedder():
    """Tests that install the hash embedder (tests/fixtures_acquire/fast_index.py) get it for their
    own duration only: the index tests after them measure the real model."""
    from harvest_desktop.index import embedder

    real = embedder.embed_texts
    yield
    embedder.embed_texts = real


@pytest.fixture
def library(harvest_home: Path):
    from harvest_desktop.library import Library

    lib = Library()
    yield lib
    lib.close()


# -- the opt-in test through a real local model (llama.cpp) ---------------------------------------
LLAMA_ENV = "HARVEST_TEST_LLAMA"


def pytest_collection_modifyitems(config, items):
    """Tests marked `llama` run only with HARVEST_TEST_LLAMA=1; otherwise they are deselected and
    the run says so in plain words (never a silent skip)."""
    if os.environ.get(LLAMA_ENV) == "1":
        return
    left_out = [i for i in items if i.get_closest_marker("llama")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [i for i in items if not i.get_closest_marker("llama")]
        config._harvest_llama_left_out = len(left_out)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = getattr(config, "_harvest_llama_left_out", 0)
    if n:
        terminalreporter.write_line(
            f"LEFT OUT: {n} end-to-end test(s) through a real local model (SmolLM2 on llama.cpp's server); "
            f"run them with {LLAMA_ENV}=1 python3 bootstrap.py test", bold=True)
