"""'Test' for a key or server: the cheapest real call, and one word for what it said."""

from __future__ import annotations

from dataclasses import dataclass

from harvest_desktop.ai import keys
from harvest_desktop.ai.providers.base import GenRequest, ProviderError
from harvest_desktop.core.errors import KnownError

VALID, INVALID, NO_CREDIT, RATE_LIMITED, UNREACHABLE, ERROR = (
    "valid", "invalid key", "no credit", "rate limited", "unreachable", "error")

_BY_KIND = {"auth": INVALID, "credit": NO_CREDIT, "rate_limit": RATE_LIMITED, "unreachable": UNREACHABLE,
            "timeout": UNREACHABLE, "dropped": UNREACHABLE}


@dataclass(frozen=True)
class KeyTest:
    name: str
    verdict: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.verdict == VALID

    def line(self) -> str:
        return f"{self.name}: {self.verdict}" + (f" ({self.detail})" if self.detail else "")


def test_key(name: str, *, cheap_model: str | None = None) -> KeyTest:
    """One call of one output token with the cheapest model (or a model listing for servers)."""
    from harvest_desktop.ai.policy import load_policy

    name = name.strip().lower()
    if name == "ollama":
        from harvest_desktop.ai.providers.local import OllamaProvider

        try:
            models = OllamaProvider(keys.ollama_url()).models()
        except ProviderError as err:
            return KeyTest(name, _BY_KIND.get(err.kind, ERROR), f"{err.message}; {err.hint}")
        return KeyTest(name, VALID, f"{len(models)} model(s) installed")
    from harvest_desktop.ai.providers.cloud import CloudProvider

    if name in ("openai", "anthropic", "gemini"):
        key = keys.get_key(name)
        if not key:
            return KeyTest(name, INVALID, f"no key is set (use `harvest keys set {name}`)")
        model = cheap_model or load_policy().model(name, "cheap")
        prov = CloudProvider(name, kind=name, api_key=key)
    else:
        ep = keys.find_endpoint(name)
        if ep is None:
            raise KnownError(f"unknown provider '{name}'",
                             hint="openai, anthropic, gemini, ollama, or an endpoint from `harvest keys list`")
        model = cheap_model or ep.model or "default"
        prov = CloudProvider(ep.name, kind="endpoint", api_key=keys.get_key(ep.key_name), base_url=ep.base_url)
    req = GenRequest("key-test", [{"role": "user", "content": "Say OK."}], 1, temperature=0.0)
    try:
        prov.complete(model, req)
    except ProviderError as err:
        return KeyTest(name, _BY_KIND.get(err.kind, ERROR), err.message)
    return KeyTest(name, VALID, f"answered with {model}")
