"""API keys live only in the operating system's key store; this module never shows or logs one.

Qt-free. Plaintext, null and failing keyring backends are refused: a key is either in a secure
store or nowhere.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

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
    raise KnownError(f"unknown provider '{key}'", hint="choose one of: " + ", ".join(p.key for p in PROVIDERS))


def _insecure_reason(backend: object) -> str | None:
    """Why a backend is not acceptable, or None when it is."""
    cls = type(backend)
    module = cls.__module__
    name = cls.__name__
    if module.startswith("keyring.backends.chainer"):
        inner = list(getattr(backend, "backends", []) or [])
        if not inner:
            return "no key store is available"
        # The chainer writes to the highest-priority backend that accepts the key.
        return _insecure_reason(inner[0])
    if module == "keyring.backends.fail" or module == "keyring.backends.null":
        return "no key store is available"
    if module.startswith("keyrings.alt"):
        # File-based stores: plaintext, or encrypted with a password typed into a terminal.
        return f"the only key store found ({name}) keeps keys in a file"
    if "plaintext" in name.lower() or "plaintext" in module.lower():
        return f"the only key store found ({name}) keeps keys in plain text"
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
    if not p.secret and not value.lower().startswith(("http://", "https://")):
        raise KnownError(f"{p.label}: '{value}' is not an http(s) address", hint=f"for example {DEFAULT_OLLAMA_URL}")
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
    """The Ollama server to use: the stored address, OLLAMA_HOST, or the local default."""
    return get_key("ollama") or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_URL
