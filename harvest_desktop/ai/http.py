"""The one place the gateway makes HTTP clients, so every provider call follows the same rules.

Timeouts are always set (the ollama client has none by default). A server on this computer is
reached without any system proxy. When harvest_desktop.net lands, this module hands over to its
client factory (address policy, per-host limits) and keeps the same signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0  # between two pieces of a stream: a stalled server fails after this


@dataclass(frozen=True)
class Timeouts:
    connect: float = CONNECT_TIMEOUT_S
    read: float = READ_TIMEOUT_S
    write: float = 30.0
    pool: float = 5.0

    def httpx(self):
        import httpx

        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def sync_client(base_url: str | None, timeouts: Timeouts = Timeouts()):
    """A synchronous httpx client for a provider at base_url (None: a cloud provider's default)."""
    import httpx

    local = bool(base_url) and is_loopback(base_url or "")
    return httpx.Client(timeout=timeouts.httpx(), trust_env=not local, follow_redirects=False)


def client_kwargs(base_url: str | None, timeouts: Timeouts = Timeouts()) -> dict:
    """Keyword arguments for clients that build their own httpx client (the ollama Client)."""
    local = bool(base_url) and is_loopback(base_url or "")
    return {"timeout": timeouts.httpx(), "trust_env": not local, "follow_redirects": False}
