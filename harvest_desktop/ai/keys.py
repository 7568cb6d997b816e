"""API keys live only in the operating system's key store; this module never shows or logs one.

Qt-free. Plaintext, null and failing keyring backends are refused: a key is either in a secure
store or nowhere.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass

from harvest_desktop.core.errors import KnownError

log = logging.getLogger(__name__)

SERVICE = "harvest-desktop"
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class Provider:
    key: str  # keyring user name and router name
    label: str
    secret: bool  # False: a server address, shown in the clear
    hint: str


PROVIDERS: list[Provider] = [
    Provider("openai", "OpenAI", True, "An API key from platform.openai.com (starts with sk-)."),
    Provider("anthropic", "Anthropic", True, "An API key from console.anthropic.com (starts with sk-ant-)."),
    Provider("gemini", "Google Gemini", True, "An API key from aistudio.google.com."),
    Provider("ollama", "Ollama server URL", False,
             f"Address of your Ollama server, e.g. {DEFAULT_OLLAMA_URL}. No key needed."),
]

NO_SECURE_STORE_HELP = (
    "Harvest keeps API keys only in the operating system's key store and will not write them to a "
    "plain file. On Linux install and unlock GNOME Keyring (package gnome-keyring) or KWallet, then "
    "log out and in again; on macOS (Keychain) and Windows (Credential Manager) the system store is "
    "used automatically. The built-in offline engine works without any key."
)


class NoSecureStore(KnownError):
    """There is no key store Harvest trusts on this computer."""


def provider(key: str) -> Provider:
    for p in PROVIDERS:
        if p.key == key:
            return p
    if key.startswith(ENDPOINT_PREFIX):
        ep = find_endpoint(key[len(ENDPOINT_PREFIX):])
        if ep is not None:
            return Provider(key, ep.name, True, f"Optional API key for {ep.base_url}.")
    names = [p.key for p in PROVIDERS] + [e.name for e in endpoints()]
    raise KnownError(f"unknown provider '{key}'", hint="choose one of: " + ", ".join(names))


# The allow-list: the stores known to keep secrets encrypted under the person's login.
# "module:Class" of keyring backends; anything else (files, plaintext, null, fail, unknown
# third-party backends) is refused. Tests add their in-memory store here explicitly.
TRUSTED_BACKENDS: set[str] = {
    "keyring.backends.SecretService:Keyring",  # GNOME Keyring / KeePassXC over Secret Service
    "keyring.backends.libsecret:Keyring",  # the same stores through libsecret
    "keyring.backends.kwallet:DBusKeyring",  # KWallet 5
    "keyring.backends.kwallet:DBusKeyringKWallet4",
    "keyring.backends.macOS:Keyring",  # macOS Keychain
    "keyring.backends.Windows:WinVaultKeyring",  # Windows Credential Locker
}


def _insecure_reason(backend: object) -> str | None:
    """Why a backend is not acceptable, or None when it is on the allow-list."""
    cls = type(backend)
    module = cls.__module__
    name = cls.__name__
    if module.startswith("keyring.backends.chainer"):
        inner = list(getattr(backend, "backends", []) or [])
        if not inner:
            return "no key store is available"
        # The chainer writes to the highest-priority backend that accepts the key.
        return _insecure_reason(inner[0])
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return "no key store is available"
    if f"{module}:{name}" not in TRUSTED_BACKENDS:
        if module.startswith("keyrings.alt") or "plaintext" in name.lower() or "file" in module.lower():
            return f"the only key store found ({name}) keeps keys in a file"
        return f"the key store found ({name}) is not one Harvest knows to be secure"
    try:
        if float(getattr(backend, "priority", 1)) <= 0:
            return f"the key store found ({name}) is disabled on this system"
    except Exception:  # a backend whose priority probe fails is not usable
        return f"the key store found ({name}) is not usable on this system"
    return None


def secure_backend() -> tuple[bool, str]:
    """(usable, description) for the key store keyring would use now."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # keyring's discovery can fail on odd systems
        return False, f"The key store could not be opened ({exc.__class__.__name__}). {NO_SECURE_STORE_HELP}"
    reason = _insecure_reason(backend)
    if reason is not None:
        return False, f"No secure key store: {reason}. {NO_SECURE_STORE_HELP}"
    return True, f"Keys are kept in the system key store ({_describe(backend)})."


def _describe(backend: object) -> str:
    name = getattr(backend, "name", None)
    if isinstance(name, str) and name:
        return name
    return type(backend).__name__


def _require_secure() -> None:
    ok, description = secure_backend()
    if not ok:
        raise NoSecureStore(description)


def key_is_set(provider_key: str) -> bool:
    provider(provider_key)
    if not secure_backend()[0]:
        return False
    try:
        import keyring

        return bool(keyring.get_password(SERVICE, provider_key))
    except Exception as exc:
        log.warning("could not read from the key store: %s", exc.__class__.__name__)
        return False


def get_key(provider_key: str) -> str | None:
    """The stored value for the router; callers must never log or display it."""
    provider(provider_key)
    if not secure_backend()[0]:
        return None
    try:
        import keyring

        return keyring.get_password(SERVICE, provider_key) or None
    except Exception as exc:
        log.warning("could not read from the key store: %s", exc.__class__.__name__)
        return None


def set_key(provider_key: str, value: str) -> None:
    p = provider(provider_key)
    value = value.strip()
    if not value:
        raise KnownError(f"{p.label}: nothing to store", hint="paste the key, or use Clear to remove it")
    if not p.secret:  # the Ollama address: a setting, not a secret (works with no key store)
        set_ollama_url(value)
        return
    _require_secure()
    try:
        import keyring

        keyring.set_password(SERVICE, provider_key, value)
    except Exception as exc:
        # The message never includes the value.
        raise KnownError(f"{p.label}: the key store refused to save ({exc.__class__.__name__})",
                         hint="unlock the system key store and try again") from None


def clear_key(provider_key: str) -> None:
    p = provider(provider_key)
    if not p.secret:
        set_ollama_url("")
        _forget_stored_address(provider_key)
        return
    _require_secure()
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(SERVICE, provider_key)
        except PasswordDeleteError:
            pass  # nothing stored: already clear
    except KnownError:
        raise
    except Exception as exc:
        raise KnownError(f"{p.label}: the key store refused to remove it ({exc.__class__.__name__})",
                         hint="unlock the system key store and try again") from None


def ollama_url() -> str:
    """The Ollama server to use: the address in Settings, one an older version kept in the key
    store, OLLAMA_HOST, or the local default."""
    return configured_ollama_url() or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_URL


def configured_ollama_url() -> str:
    """The address the person set ("" when none): Settings first, then the key store's old entry."""
    from harvest_desktop.core.settings import Settings

    return Settings.load().ollama_url.strip() or _stored_address("ollama")


def check_address(value: str, label: str = "Ollama server") -> str:
    """An http(s) address with a host, or a KnownError saying what to type."""
    from urllib.parse import urlsplit

    value = value.strip()
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        ok = False
    if not ok:
        raise KnownError(f"{label}: '{value}' is not an http(s) address", hint=f"for example {DEFAULT_OLLAMA_URL}")
    return value.rstrip("/")


def set_ollama_url(value: str) -> None:
    """Store the Ollama address in Settings ("" = back to OLLAMA_HOST or the local default)."""
    from harvest_desktop.core.settings import Settings

    value = check_address(value) if value.strip() else ""
    settings = Settings.load()
    settings.ollama_url = value
    settings.save()


def _stored_address(name: str) -> str:
    """An address an older Harvest kept in the key store (read only if the store is trusted)."""
    try:
        return get_key(name) or ""
    except KnownError:
        return ""


def _forget_stored_address(name: str) -> None:
    if not secure_backend()[0]:
        return
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(SERVICE, name)
        except PasswordDeleteError:
            pass
    except Exception as exc:
        log.warning("could not remove the old address from the key store: %s", exc.__class__.__name__)


# -- masked display --------------------------------------------------------------------------
def masked(value: str | None) -> str:
    """What the UI and CLI may show of a key: its last four characters, never more."""
    if not value:
        return ""
    value = value.strip()
    if len(value) < 12:
        return "••••"  # too short to show any of it safely
    return "••••" + value[-4:]


def where_kept() -> str:
    """The key store's name, for `harvest keys list` and the Keys pane."""
    ok, _ = secure_backend()
    if not ok:
        return "nowhere (no secure key store)"
    try:
        import keyring

        return _describe(keyring.get_keyring())
    except Exception:
        return "system key store"


# -- custom OpenAI-compatible endpoints -----------------------------------------------------
# The name, address and model are not secret and live in endpoints.json in the data folder;
# an endpoint's optional key lives in the key store under "endpoint:NAME".
ENDPOINT_PREFIX = "endpoint:"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
RESERVED = {"auto", "builtin", "ollama", "openai", "anthropic", "gemini", "local", "offline"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    base_url: str
    model: str = ""

    @property
    def key_name(self) -> str:
        return ENDPOINT_PREFIX + self.name

    @property
    def is_local(self) -> bool:
        """On this computer (loopback): free, private, allowed in local-only mode."""
        from urllib.parse import urlsplit

        host = (urlsplit(self.base_url).hostname or "").lower()
        return host in ("localhost", "::1") or host.startswith("127.")


def _endpoints_path():
    from harvest_desktop.core import paths

    return paths.data_dir() / "endpoints.json"


def endpoints() -> list[Endpoint]:
    path = _endpoints_path()
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Endpoint(str(e["name"]), str(e["base_url"]), str(e.get("model") or "")) for e in raw["endpoints"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnownError(f"{path}: the endpoint list cannot be read ({exc.__class__.__name__})",
                         hint="fix or delete the file, then add the endpoints again") from None


def find_endpoint(name: str) -> Endpoint | None:
    name = name.strip().lower()
    for e in endpoints():
        if e.name == name:
            return e
    return None


def add_endpoint(name: str, base_url: str, model: str = "") -> Endpoint:
    """Add or replace an OpenAI-compatible server (LM Studio, llama.cpp, vLLM, LocalAI, OpenRouter)."""
    from urllib.parse import urlsplit

    from harvest_desktop.core.settings import atomic_write_text

    name = name.strip().lower()
    if not _NAME_RE.match(name) or name in RESERVED:
        raise KnownError(f"'{name}' cannot name an endpoint",
                         hint="use lower-case letters, digits, '-', '_' or '.', and not " + ", ".join(sorted(RESERVED)))
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KnownError(f"'{base_url}' is not an http(s) address",
                         hint="for example http://127.0.0.1:8080/v1")
    if parts.username or parts.password:
        raise KnownError("the address must not carry a user name or password",
                         hint="store the key with `harvest keys set " + name + "` instead")
    ep = Endpoint(name, base_url.strip().rstrip("/"), model.strip())
    others = [e for e in endpoints() if e.name != name]
    data = {"endpoints": [asdict(e) for e in others + [ep]]}
    atomic_write_text(_endpoints_path(), json.dumps(data, indent=2))
    return ep


def remove_endpoint(name: str) -> bool:
    from harvest_desktop.core.settings import atomic_write_text

    name = name.strip().lower()
    current = endpoints()
    kept = [e for e in current if e.name != name]
    if len(kept) == len(current):
        return False
    atomic_write_text(_endpoints_path(), json.dumps({"endpoints": [asdict(e) for e in kept]}, indent=2))
    try:
        if secure_backend()[0]:
            import keyring
            from keyring.errors import PasswordDeleteError

            try:
                keyring.delete_password(SERVICE, ENDPOINT_PREFIX + name)
            except PasswordDeleteError:
                pass
    except Exception as exc:
        log.warning("could not remove the endpoint's key: %s", exc.__class__.__name__)
    return True


def resolve_key_name(name: str) -> str:
    """'openai' stays 'openai'; an endpoint's name becomes its key-store name."""
    name = name.strip().lower()
    if any(p.key == name for p in PROVIDERS) or name.startswith(ENDPOINT_PREFIX):
        return name
    if find_endpoint(name) is not None:
        return ENDPOINT_PREFIX + name
    provider(name)  # raises the "unknown provider" message
    return name


@dataclass(frozen=True)
class KeyEntry:
    """One row of `harvest keys list` and the Keys pane: never the value itself."""

    name: str
    label: str
    is_set: bool
    tail: str
    where: str
    base_url: str = ""
    model: str = ""


def list_keys() -> list[KeyEntry]:
    where = where_kept()
    rows = []
    for p in PROVIDERS:
        if not p.secret:  # the Ollama address: shown as set, from Settings
            value = configured_ollama_url()
            rows.append(KeyEntry(p.key, p.label, bool(value), value, "settings" if value else ""))
            continue
        value = get_key(p.key)
        tail = masked(value) if value else ""
        rows.append(KeyEntry(p.key, p.label, bool(value), tail, where if value else ""))
    for e in endpoints():
        value = get_key(e.key_name)
        rows.append(KeyEntry(e.name, f"Endpoint {e.name}", bool(value), masked(value) if value else "",
                             where if value else "", e.base_url, e.model))
    return rows
