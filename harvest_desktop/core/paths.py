"""Every path Harvest writes to comes from here; HARVEST_HOME overrides the platform default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from harvest_desktop import APP_ID

ENV_HOME = "HARVEST_HOME"


def data_dir() -> Path:
    """Root of everything the app writes (database, indexes, logs, cache, crash reports)."""
    override = os.environ.get(ENV_HOME)
    root = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_ID, appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sub(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    return data_dir() / "library.sqlite3"


def index_dir() -> Path:
    return _sub("index")


def logs_dir() -> Path:
    return _sub("logs")


def cache_dir() -> Path:
    return _sub("cache")


def model_cache_dir() -> Path:
    """Files derived from the packaged models (the ONNX form of the embedding model).

    Shared by every library of this user (they depend only on the installed model, and each
    file's name carries a digest of what it was made from); HARVEST_MODEL_CACHE overrides."""
    override = os.environ.get("HARVEST_MODEL_CACHE")
    root = Path(override).expanduser() if override else Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)) / "models"
    root.mkdir(parents=True, exist_ok=True)
    return root


def crash_dir() -> Path:
    return _sub("crashes")


def settings_path() -> Path:
    return data_dir() / "settings.json"


def resources_dir() -> Path:
    """Bundled resources; inside a frozen app they sit next to the executable's data."""
    import sys

    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
