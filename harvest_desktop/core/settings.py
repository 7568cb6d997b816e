"""Typed settings with defaults, stored as JSON with a schema version and migrations."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from harvest_desktop.core import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2


@dataclass
class HarvestLimits:
    """Caps applied to every item; the error message names the one that was hit."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_download_bytes: int = 50 * 1024 * 1024
    max_pages: int = 2000
    max_chars: int = 20_000_000
    max_decompressed_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 200
    parse_timeout_s: float = 60.0
    parse_memory_mb: int = 2048
    fetch_timeout_s: float = 30.0
    max_redirects: int = 5
    max_retries: int = 3  # for HTTP 429 and 5xx, with backoff honouring Retry-After
    max_retry_wait_s: float = 60.0  # a longer Retry-After fails the item instead of waiting
    parse_workers: int = 0  # contained parser processes; 0 = automatic
    ocr_languages: str = "eng"  # Tesseract language codes, e.g. "eng+deu"


@dataclass
class WebSettings:
    concurrency: int = 8
    per_host_concurrency: int = 2
    min_delay_per_host_s: float = 1.0
    allow_private_addresses: bool = True  # for URLs the user typed or dropped themselves
    user_agent_contact: str = ""
    max_section_links: int = 50  # "harvest this section": most same-site links followed from one page


@dataclass
class Settings:
    schema_version: int = SCHEMA_VERSION
    theme: str = "system"  # system | light | dark
    output_language: str = "en"
    default_engine: str = "builtin"
    monthly_budget_usd: float = 5.0
    first_run_done: bool = False
    # Where the library lives; "" means the platform default. Read at start-up by
    # apply_data_folder_choice(), so a change takes effect on the next start. HARVEST_HOME wins.
    data_folder: str = ""
    last_export_dir: str = ""
    watched_folders: list[str] = field(default_factory=list)
    limits: HarvestLimits = field(default_factory=HarvestLimits)
    web: WebSettings = field(default_factory=WebSettings)

    # -- persistence -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = path or paths.settings_path()
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        return cls.from_dict(migrate(raw))

    def save(self, path: Path | None = None) -> None:
        path = path or paths.settings_path()
        data = json.dumps(asdict(self), indent=2, sort_keys=True)
        atomic_write_text(path, data)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Settings":
        return _build(cls, raw)


def _build(kind: type, raw: dict[str, Any]) -> Any:
    """Construct a dataclass from a dict, ignoring unknown keys and keeping defaults for missing."""
    kwargs: dict[str, Any] = {}
    defaults = kind()
    for f in fields(kind):
        if f.name not in raw:
            continue
        value = raw[f.name]
        current = getattr(defaults, f.name)
        if hasattr(current, "__dataclass_fields__") and isinstance(value, dict):
            value = _build(type(current), value)
        elif current is not None and not isinstance(value, type(current)) and not (
            isinstance(current, float) and isinstance(value, int)
        ):
            log.warning("setting %s has wrong type %r; using default", f.name, type(value).__name__)
            continue
        kwargs[f.name] = value
    return kind(**kwargs)


# Each migration takes the raw dict at version N and returns it at version N+1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    # version 0 (unversioned files): "engine" was renamed "default_engine".
    0: lambda raw: {**{k: v for k, v in raw.items() if k != "engine"},
                    "default_engine": raw.get("engine", raw.get("default_engine", "builtin"))},
    # version 1 -> 2: the library folder became a setting ("" = platform default).
    1: lambda raw: {**raw, "data_folder": str(raw.get("data_folder") or "")},
}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    version = int(raw.get("schema_version", 0))
    while version < SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- choosing the data folder -----------------------------------------------------------------
# The settings file lives inside the data folder, so the choice of folder is read from the
# settings file in the platform default location (the "bootstrap" file) before anything else.

_ENV_FROM_SETTINGS = "HARVEST_HOME_FROM_SETTINGS"


def default_data_dir() -> Path:
    """The platform's data folder for Harvest, ignoring HARVEST_HOME."""
    import platformdirs

    from harvest_desktop import APP_ID

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def apply_data_folder_choice() -> Path | None:
    """Call first thing at start-up: point HARVEST_HOME at the folder chosen in Settings, if any.

    Does nothing when the user set HARVEST_HOME themselves. Returns the folder now in use.
    """
    if os.environ.get(paths.ENV_HOME) and not os.environ.get(_ENV_FROM_SETTINGS):
        return None
    bootstrap = Settings.load(default_data_dir() / "settings.json")
    folder = bootstrap.data_folder.strip()
    if not folder:
        return None
    target = Path(folder).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("chosen data folder %s unusable (%s); using the default", target, exc)
        return None
    os.environ[paths.ENV_HOME] = str(target)
    os.environ[_ENV_FROM_SETTINGS] = "1"
    if not (target / "settings.json").exists():
        bootstrap.save(target / "settings.json")  # first start there: carry the settings over
    return target


def home_overridden_by_environment() -> bool:
    """True when the person set HARVEST_HOME themselves, so the data folder setting is ignored."""
    return bool(os.environ.get(paths.ENV_HOME)) and not os.environ.get(_ENV_FROM_SETTINGS)


def remember_data_folder(folder: str) -> None:
    """Store the data folder choice where the next start looks for it (the bootstrap file)."""
    if home_overridden_by_environment():
        return  # the setting is saved with the others, but HARVEST_HOME decides
    bootstrap_path = default_data_dir() / "settings.json"
    if bootstrap_path.resolve() == paths.settings_path().resolve():
        return  # running from the default folder: Settings.save() already wrote it there
    bootstrap = Settings.load(bootstrap_path)
    bootstrap.data_folder = folder
    bootstrap.save(bootstrap_path)
