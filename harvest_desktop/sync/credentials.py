"""The sync token lives only in the OS keyring (service "harvest-sync", user = the server's origin and
this library's own random id, so two libraries on one computer keep their own tokens).

Same rules as the provider keys (ai/keys.py): plaintext, null and failing keyring backends are
refused, the token is never written to settings or the library, never logged or shown.
"""

from __future__ import annotations

import logging

from harvest_desktop.ai.keys import NoSecureStore, secure_backend
from harvest_desktop.core.errors import KnownError
from harvest_desktop.net import origin_of

log = logging.getLogger(__name__)

SERVICE = "harvest-sync"


def _require_secure() -> None:
    ok, description = secure_backend()
    if not ok:
        raise NoSecureStore(description.replace("API keys", "the sync token"))


def save_token(url: str, token: str, library_key: str = "") -> None:
    token = token.strip()
    if not token:
        raise KnownError("no token given", hint="paste the token `harvest-server token create NAME` printed")
    _require_secure()
    try:
        import keyring

        keyring.set_password(SERVICE, _user(url, library_key), token)
    except Exception as exc:
        raise KnownError(f"the key store refused to save the sync token ({exc.__class__.__name__})",
                         hint="unlock the system key store and try again") from None


def load_token(url: str, library_key: str = "") -> str | None:
    if not secure_backend()[0]:
        return None
    try:
        import keyring

        return keyring.get_password(SERVICE, _user(url, library_key)) or None
    except Exception as exc:
        log.warning("could not read the sync token from the key store: %s", exc.__class__.__name__)
        return None


def clear_token(url: str, library_key: str = "") -> None:
    _require_secure()
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(SERVICE, _user(url, library_key))
        except PasswordDeleteError:
            pass
    except KnownError:
        raise
    except Exception as exc:
        raise KnownError(f"the key store refused to remove the sync token ({exc.__class__.__name__})") from None


def _user(url: str, library_key: str) -> str:
    return f"{origin_of(url)} {library_key}".strip()
