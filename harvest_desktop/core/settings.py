"""Typed settings with defaults, stored as JSON with a schema version and migrations."""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
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
    lock_wait_s: float = 30.0  # how long a write waits for another Harvest's write before saying so


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
    # The Ollama server the gateway talks to ("" = OLLAMA_HOST, or http://127.0.0.1:11434).
    # An address, not a secret: it lives here, not in the key store.
    ollama_url: str = ""
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
        """Load, migrate and check; a file that is not a valid settings object never stops the app.

        It is kept aside as a backup and replaced (defaults, or the valid part with defaults for the
        rest); what happened is in `settings.notices`, one line each, for the CLI and the window."""
        path = path or paths.settings_path()
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_SETTINGS_BYTES + 1)
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            log.warning("settings file %s cannot be read (%s); using defaults", path, exc.strerror)
            return _with_notices(cls(), [f"the settings file {path} cannot be read ({exc.strerror}); "
                                         "the defaults are used this time"])
        problems: list[str] = []
        try:
            if len(data) > MAX_SETTINGS_BYTES:
                raise ValueError("it is far too large")
            try:
                raw = json.loads(data.decode("utf-8"))
            except ValueError:
                raise ValueError("it is not valid JSON") from None
            if not isinstance(raw, dict):
                raise ValueError(f"it holds {_json_kind(raw)} instead of a settings object")
            version = raw.get("schema_version", 0)
            if isinstance(version, bool) or not isinstance(version, int) or version < 0:
                raise ValueError("its schema_version is not a version number")
            settings = cls.from_dict(migrate(raw), problems)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            backup = _keep_aside(path)
            kept = f"it was kept as {backup.name}" if backup else "it could not be kept aside"
            notice = f"the settings file {path} was not valid ({exc}); {kept} and the defaults are used"
            log.warning("%s", notice)
            settings = cls()
            _save_quietly(settings, path)
            return _with_notices(settings, [notice])
        if problems:
            backup = _keep_aside(path)
            kept = f" (the file was kept as {backup.name})" if backup else ""
            notice = f"settings: {'; '.join(problems)}; the defaults are used for these{kept}"
            log.warning("%s", notice)
            _save_quietly(settings, path)
            return _with_notices(settings, [notice])
        return settings

    def save(self, path: Path | None = None) -> None:
        path = path or paths.settings_path()
        data = json.dumps(asdict(self), indent=2, sort_keys=True)
        atomic_write_text(path, data)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], problems: list[str] | None = None) -> "Settings":
        """Build from a dict; a value of the wrong type or out of range keeps its default."""
        return _build(cls, raw, problems if problems is not None else [], "")

    @property
    def notices(self) -> list[str]:
        """What load() had to fix, one line each (empty for a good file)."""
        return list(getattr(self, "_notices", []))


MAX_SETTINGS_BYTES = 1024 * 1024

# Smallest value each number may take; anything not listed must be above zero.
_MINIMUM: dict[str, float] = {
    "parse_workers": 0, "max_retries": 0, "max_retry_wait_s": 0, "min_delay_per_host_s": 0,
    "monthly_budget_usd": 0, "max_section_links": 0, "lock_wait_s": 0, "parse_memory_mb": 0,
}
_CHOICES: dict[str, tuple[str, ...]] = {"theme": ("system", "light", "dark")}


def _build(kind: type, raw: dict[str, Any], problems: list[str], prefix: str) -> Any:
    """Construct a dataclass from a dict, ignoring unknown keys and keeping defaults for missing
    or invalid values (each invalid one is named in problems)."""
    kwargs: dict[str, Any] = {}
    defaults = kind()
    for f in fields(kind):
        if f.name not in raw:
            continue
        value = raw[f.name]
        current = getattr(defaults, f.name)
        name = prefix + f.name
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                problems.append(f"{name} is not a group of settings")
                continue
            value = _build(type(current), value, problems, name + ".")
        else:
            why = _invalid(f.name, value, current)
            if why:
                problems.append(f"{name} {why}")
                continue
            if isinstance(current, float):
                value = float(value)
            if isinstance(current, list):
                value = [str(v) for v in value if isinstance(v, str)]
        kwargs[f.name] = value
    return kind(**kwargs)


def _invalid(name: str, value: Any, default: Any) -> str | None:
    """Why a value cannot be used for a setting whose default is `default`, or None."""
    if default is None:
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "is not true or false"
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "is not a number"
        if isinstance(default, int) and not isinstance(value, int):
            return "is not a whole number"
        if not math.isfinite(value):
            return "is not a finite number"
        low = _MINIMUM.get(name)
        if low is None and value <= 0:
            return f"is {value}, but must be above 0"
        if low is not None and value < low:
            return f"is {value}, but must be at least {low:g}"
        return None
    if isinstance(default, str):
        if not isinstance(value, str):
            return "is not text"
        if name in _CHOICES and value not in _CHOICES[name]:
            return f"is '{value[:40]}', not one of {', '.join(_CHOICES[name])}"
        return None
    if isinstance(default, list):
        return None if isinstance(value, list) else "is not a list"
    return None if isinstance(value, type(default)) else "has the wrong type"


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _with_notices(settings: "Settings", notices: list[str]) -> "Settings":
    settings._notices = notices  # type: ignore[attr-defined]  # not a field: never saved
    return settings


def _keep_aside(path: Path) -> Path | None:
    """Copy a settings file that had to be replaced next to it, never over an earlier copy."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.invalid-{stamp}")
    n = 2
    while backup.exists():
        backup = path.with_name(f"{path.name}.invalid-{stamp}-{n}")
        n += 1
    try:
        backup.write_bytes(path.read_bytes())
    except OSError as exc:
        log.warning("could not keep the invalid settings file aside: %s", exc.strerror)
        return None
    return backup


def _save_quietly(settings: "Settings", path: Path) -> None:
    try:
        settings.save(path)
    except OSError as exc:  # a read-only folder: the defaults still apply for this run
        log.warning("could not write the repaired settings file %s: %s", path, exc.strerror)


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


def atomic_write_bytes(path: Path, data: bytes, *, make_parents: bool = True,
                       replace: bool = True) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target.

    The rename never follows a link at the target. replace=False never clobbers: the finished
    file is linked into place and FileExistsError is raised when the name was taken meanwhile."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # a filesystem without hard links: check, then rename
                if os.path.lexists(path):
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
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
