"""Is an Ollama server running, and which models does it have? One quick GET, never blocking the UI."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

DEFAULT_URL = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class OllamaStatus:
    running: bool
    models: list[str] = field(default_factory=list)
    error: str | None = None

    def describe(self) -> str:
        """One line for the welcome screen and the settings."""
        if self.running:
            count = len(self.models)
            return f"Ollama found: {count} model{'s' if count != 1 else ''}"
        return "Ollama not running" + (f" ({self.error})" if self.error else "")


async def detect_ollama(url: str = DEFAULT_URL, timeout: float = 1.0) -> OllamaStatus:
    """GET {url}/api/tags; any failure means "not running", with the reason in `error`."""
    import httpx  # keeps start-up light for callers that never probe

    endpoint = url.rstrip("/") + "/api/tags"
    try:
        # trust_env=False: a system proxy must not intercept a request meant for this computer.
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            response = await client.get(endpoint)
    except httpx.TimeoutException:
        return OllamaStatus(False, [], f"no answer within {timeout:g} s")
    except httpx.ConnectError:
        return OllamaStatus(False, [], "nothing is listening at " + url)
    except httpx.HTTPError as exc:
        return OllamaStatus(False, [], f"{type(exc).__name__}: {exc}")
    if response.status_code != 200:
        return OllamaStatus(False, [], f"HTTP {response.status_code} from {endpoint}")
    try:
        payload = response.json()
        entries = payload["models"]
        models = [str(m.get("name") or m.get("model")) for m in entries if isinstance(m, dict)]
    except (ValueError, KeyError, TypeError, AttributeError):
        return OllamaStatus(False, [], f"{endpoint} did not answer like Ollama")
    return OllamaStatus(True, [m for m in models if m and m != "None"], None)


def detect_ollama_blocking(url: str = DEFAULT_URL, timeout: float = 1.0) -> OllamaStatus:
    """For worker threads without an event loop (never call this on the UI thread)."""
    return asyncio.run(detect_ollama(url, timeout))
