"""Every test starts clean: offscreen Qt, its own HARVEST_HOME, no network but loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    return home


@pytest.fixture
def library(harvest_home: Path):
    from harvest_desktop.library import Library

    lib = Library()
    yield lib
    lib.close()
