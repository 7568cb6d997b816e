"""The one place the gateway makes HTTP clients, so every provider call follows the same rules.

Every client comes from harvest_desktop.net (address policy checked at connect time, TLS verified,
Harvest's User-Agent). Timeouts are always set (the ollama client has none by default). A server
the person configured on this computer (an endpoint, Ollama, a base-URL override) is allowed for
that exact host:port and reached without any system proxy; nothing else private is.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0  # between two pieces of a stream: a stalled server fails after this
# A server on this computer (llama.cpp, Ollama, LM Studio) sends its first piece only after it has
# read the whole prompt on the CPU: a 12,000-character part is about 3,000 tokens, which took 40 s
# for 526 tokens on two busy cores (SmolLM2-135M, llama.cpp, two threads). It gets this long.
LOCAL_READ_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Timeouts:
    connect: float = CONNECT_TIMEOUT_S
    read: float = READ_TIMEOUT_S
    write: float = 30.0
    pool: float = 5.0

    def httpx(self):
        import httpx

        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def timeouts_for(base_url: str | None) -> Timeouts:
    """The timeouts for a provider at base_url: a server on this computer waits longer for a piece."""
    return Timeouts(read=LOCAL_READ_TIMEOUT_S) if base_url and is_loopback(base_url) else Timeouts()


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def sync_client(base_url: str | None, timeouts: Timeouts = Timeouts()):
    """A synchronous httpx client for a provider at base_url (None: a cloud provider's default)."""
    from harvest_desktop import net

    local = bool(base_url) and is_loopback(base_url or "")
    return net.make_client("ai", allow_hosts=[base_url] if base_url else (), timeout=timeouts.httpx(),
                           trust_env=not local, follow_redirects=False)


def client_kwargs(base_url: str, timeouts: Timeouts = Timeouts()) -> dict:
    """Keyword arguments for clients that build their own httpx client (the ollama Client)."""
    from harvest_desktop import net

    return {"timeout": timeouts.httpx(), "follow_redirects": False,
            "transport": net.make_transport(allow_hosts=[base_url]),
            "headers": {"User-Agent": net.user_agent()}}
