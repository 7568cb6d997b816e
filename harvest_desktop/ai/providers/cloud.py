"""OpenAI, Anthropic, Gemini and OpenAI-compatible servers, all through litellm.

litellm is imported lazily (it takes seconds) and with its bundled price map only
(LITELLM_LOCAL_MODEL_COST_MAP=True: no download at import). Its own retries are off: the
gateway retries with backoff honouring Retry-After and keeps a circuit breaker per provider.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Iterator

from harvest_desktop.ai import http
from harvest_desktop.ai.providers.base import FREE, Completion, Delta, GenRequest, Price, ProviderError
from harvest_desktop.core.cancel import NEVER, CancelToken

log = logging.getLogger(__name__)

CLOUD = ("openai", "anthropic", "gemini")
# A base-URL override per cloud provider, for a company proxy (and the tests' local servers).
BASE_URL_ENV = {"openai": "HARVEST_OPENAI_BASE_URL", "anthropic": "HARVEST_ANTHROPIC_BASE_URL",
                "gemini": "HARVEST_GEMINI_BASE_URL"}

_import_lock = threading.Lock()
_litellm = None


def litellm():
    """The litellm module, imported once, with the local price map and no telemetry."""
    global _litellm
    if _litellm is None:
        with _import_lock:
            if _litellm is None:
                os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
                os.environ.setdefault("LITELLM_TELEMETRY", "False")
                import litellm as mod

                mod.telemetry = False
                mod.suppress_debug_info = True
                mod.drop_params = True
                mod.num_retries = 0
                _litellm = mod
    return _litellm


def litellm_model(provider: str, model: str) -> str:
    """The name litellm knows a model by (its price-map key)."""
    if provider == "gemini" and not model.startswith("gemini/"):
        return "gemini/" + model
    if provider == "anthropic" and model.startswith("anthropic/"):
        return model.split("/", 1)[1]
    return model


class CloudProvider:
    """One litellm-backed provider: a cloud vendor, or a named OpenAI-compatible endpoint."""

    def __init__(self, name: str, *, kind: str, api_key: str | None, base_url: str | None = None,
                 timeouts: http.Timeouts | None = None) -> None:
        self.name = name
        self.kind = kind  # "openai" | "anthropic" | "gemini" | "endpoint"
        self._key = api_key
        self.base_url = base_url or os.environ.get(BASE_URL_ENV.get(kind, ""), "") or None
        self.timeouts = timeouts or http.timeouts_for(self.base_url)
        self.local = bool(self.base_url) and http.is_loopback(self.base_url or "")
        # Structured-output modes each model of this server accepts, learnt on refusal (servers, and
        # models on one server, differ) and remembered in the data folder per server and model, so
        # the next run does not ask in a way that model refused, nor a new model in its neighbour's way.
        self._modes: dict[str, list[str]] = {}

    def _modes_key(self, model: str) -> str:
        return f"{self.name}|{self.base_url or ''}|{model}"

    def _json_modes(self, model: str) -> list[str]:
        modes = self._modes.get(model)
        if modes is None:
            modes = ["json_schema", "json_object", "prompt"] if self.kind in ("openai", "endpoint", "gemini") \
                else ["prompt"]
            learnt = _load_modes().get(self._modes_key(model))
            if learnt in modes:
                modes = modes[modes.index(learnt):]
            self._modes[model] = modes
        return modes

    def __repr__(self) -> str:  # never shows the key
        return f"CloudProvider({self.name!r}, base_url={self.base_url!r})"

    # -- protocol ----------------------------------------------------------------------------
    def count_tokens(self, model: str, messages: list[dict[str, str]]) -> int:
        ll = litellm()
        try:
            return int(ll.token_counter(model=litellm_model(self.kind, model), messages=messages))
        except Exception:  # an unknown model: litellm's default tokenizer
            return int(ll.token_counter(model="gpt-4o-mini", messages=messages))

    def price(self, model: str) -> Price | None:
        if self.kind == "endpoint" and self.local:
            return FREE  # a server on this computer costs nothing per token
        entry = litellm().model_cost.get(litellm_model(self.kind, model))
        if not entry or entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
            return None
        return Price(float(entry["input_cost_per_token"]), float(entry["output_cost_per_token"]))

    def max_output(self, model: str) -> int | None:
        entry = litellm().model_cost.get(litellm_model(self.kind, model)) or {}
        value = entry.get("max_output_tokens")
        return int(value) if value else None

    def complete(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Completion:
        resp = self._call(model, req, stream=False)
        try:
            choice = resp.choices[0]
            text = choice.message.content or ""
            usage = getattr(resp, "usage", None)
            return Completion(text, int(getattr(usage, "prompt_tokens", 0) or 0),
                              int(getattr(usage, "completion_tokens", 0) or 0), model,
                              choice.finish_reason or "stop")
        except (AttributeError, IndexError, TypeError) as exc:
            raise ProviderError(self.name, "server", f"the answer was not understood ({exc.__class__.__name__})")

    def stream(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Iterator[Delta]:
        wrapper = self._call(model, req, stream=True)
        finish: str | None = None
        tokens_in = tokens_out = None
        try:
            for chunk in wrapper:
                if cancel.cancelled:
                    break
                usage = getattr(chunk, "usage", None)
                if usage is not None and getattr(usage, "completion_tokens", None):
                    tokens_in = int(usage.prompt_tokens or 0)
                    tokens_out = int(usage.completion_tokens or 0)
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                text = getattr(choice.delta, "content", None) or ""
                if text:
                    yield Delta(text=text)
                if choice.finish_reason:
                    finish = choice.finish_reason
        except ProviderError:
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            close = getattr(wrapper, "close", None) or getattr(getattr(wrapper, "completion_stream", None),
                                                               "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass
        if cancel.cancelled:
            return
        if finish is None:
            raise ProviderError(self.name, "dropped", "the answer stopped before it was finished")
        yield Delta(done=True, tokens_in=tokens_in, tokens_out=tokens_out, finish_reason=finish)

    # -- the call ----------------------------------------------------------------------------
    def _call(self, model: str, req: GenRequest, *, stream: bool):
        while True:
            modes = self._json_modes(model)
            mode = modes[0] if req.json_schema else "none"
            kwargs = self._kwargs(model, req, stream, mode)
            try:
                return litellm().completion(**kwargs)
            except Exception as exc:
                err = self._error(exc)
                # Servers refuse a response_format they do not know with 400 or 422, or (llama.cpp's
                # server) with a 500 whose message names the field: either way, try the next way.
                if mode not in ("none", "prompt") and err.kind in ("bad_request", "server") \
                        and _refuses_format(exc):
                    log.info("%s (%s) refused response_format %s; trying the next way", self.name, model, mode)
                    modes.pop(0)
                    _save_mode(self._modes_key(model), modes[0])
                    continue
                raise err from None

    def _kwargs(self, model: str, req: GenRequest, stream: bool, mode: str) -> dict[str, Any]:
        messages = list(req.messages)
        kw: dict[str, Any] = {"messages": messages, "max_tokens": req.max_output_tokens,
                              "temperature": req.temperature, "stream": stream, "num_retries": 0,
                              "timeout": self.timeouts.read}
        if stream:
            kw["stream_options"] = {"include_usage": True}
        if mode == "json_schema":
            kw["response_format"] = {"type": "json_schema",
                                     "json_schema": {"name": "output", "schema": req.json_schema, "strict": False}}
        elif mode == "json_object":
            kw["response_format"] = {"type": "json_object", "schema": req.json_schema}
        ll = litellm()
        if self.kind in ("openai", "endpoint"):
            import openai

            base = self.base_url
            kw["model"] = ("openai/" + model) if self.kind == "endpoint" or base else model
            kw["custom_llm_provider"] = "openai"
            kw["client"] = openai.OpenAI(api_key=self._key or "no-key", base_url=base or None,
                                         http_client=http.sync_client(base, self.timeouts), max_retries=0)
            if base:
                kw["api_base"] = base
            kw["api_key"] = self._key or "no-key"
        else:
            from litellm.llms.custom_httpx.http_handler import HTTPHandler

            kw["model"] = litellm_model(self.kind, model) if self.kind == "gemini" else "anthropic/" + \
                litellm_model(self.kind, model)
            kw["api_key"] = self._key
            kw["client"] = HTTPHandler(timeout=self.timeouts.httpx(),
                                       client=http.sync_client(self.base_url, self.timeouts))
            if self.base_url:
                kw["api_base"] = self.base_url
        del ll
        return kw

    def _error(self, exc: BaseException) -> ProviderError:
        return classify(self.name, exc)


def _modes_path():
    from harvest_desktop.core import paths

    return paths.data_dir() / "structured_output.json"


def _load_modes() -> dict[str, str]:
    """{provider|base_url|model: the first structured-output mode it accepts}, as learnt so far."""
    import json

    try:
        data = json.loads(_modes_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_mode(key: str, mode: str) -> None:
    import json

    data = _load_modes()
    data[key] = mode
    try:
        from harvest_desktop.core.settings import atomic_write_text

        atomic_write_text(_modes_path(), json.dumps(data, indent=1, sort_keys=True))
    except OSError:  # not remembering costs one refused request next time, never the answer
        log.info("could not remember the structured-output mode for %s", key)


def _refuses_format(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text or "json schema" in text


def _retry_after(exc: BaseException) -> float | None:
    headers = None
    response = getattr(exc, "response", None)
    if response is not None:
        headers = getattr(response, "headers", None)
    headers = headers or getattr(exc, "litellm_response_headers", None) or {}
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
    except AttributeError:
        return None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime
        from datetime import datetime, timezone

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


_CREDIT_WORDS = ("insufficient_quota", "credit balance", "billing", "quota", "payment", "exceeded your current")


def classify(provider: str, exc: BaseException) -> ProviderError:
    """Turn litellm's (and httpx's) exceptions into one message naming the provider and the fix."""
    if isinstance(exc, ProviderError):
        return exc
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    text = str(exc)
    low = text.lower()
    short = _short(text)
    if any(w in low for w in ("peer closed", "incomplete chunked", "incomplete message", "reset by peer",
                              "remoteprotocolerror", "server disconnected")) or name == "MidStreamFallbackError":
        return ProviderError(provider, "dropped", "the connection dropped mid-answer", status=status)
    if "connection error" in low or "connection refused" in low or "all connection attempts failed" in low:
        return ProviderError(provider, "unreachable", "the server could not be reached")
    if name in ("AuthenticationError", "PermissionDeniedError") or status in (401, 403):
        if any(w in low for w in _CREDIT_WORDS):
            return ProviderError(provider, "credit", "no credit left on this account", status=status)
        return ProviderError(provider, "auth", "the key was refused", status=status)
    if name == "RateLimitError" or status == 429:
        if any(w in low for w in ("insufficient_quota", "credit balance", "billing", "exceeded your current quota")):
            return ProviderError(provider, "credit", "no credit left on this account", status=status)
        return ProviderError(provider, "rate_limit", "rate limited", retry_after=_retry_after(exc), status=status)
    if name in ("Timeout", "APITimeoutError", "ReadTimeout", "ConnectTimeout") or "timed out" in low \
            or "timeout" in name.lower():
        return ProviderError(provider, "timeout", "no answer in time", status=status)
    if name in ("APIConnectionError", "ConnectError", "RemoteProtocolError", "ServiceUnavailableError") \
            and status in (None, 500, 503):
        if any(w in low for w in ("connection refused", "connecterror", "name or service", "nodename",
                                  "all connection attempts failed", "failed to establish", "connect call failed",
                                  "connection error")):
            return ProviderError(provider, "unreachable", "the server could not be reached")
        if any(w in low for w in ("peer closed", "incomplete", "remoteprotocolerror", "chunked", "reset by peer")):
            return ProviderError(provider, "dropped", "the connection dropped mid-answer")
        if status is None:
            return ProviderError(provider, "unreachable", f"the server could not be reached ({short})")
    if "credit balance" in low or "insufficient_quota" in low:
        return ProviderError(provider, "credit", "no credit left on this account", status=status)
    if name == "NotFoundError" or status == 404:
        return ProviderError(provider, "not_found", f"not found ({short})", status=status)
    if name in ("BadRequestError", "UnprocessableEntityError", "ContextWindowExceededError",
                "ContentPolicyViolationError", "UnsupportedParamsError") or status in (400, 422):
        return ProviderError(provider, "bad_request", f"the request was refused ({short})", status=status)
    if status is not None and status >= 500 or name in ("InternalServerError", "ServiceUnavailableError",
                                                         "APIError"):
        return ProviderError(provider, "server", f"server error{f' {status}' if status else ''}", status=status)
    return ProviderError(provider, "server", f"unexpected failure ({name}: {short})", status=status)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    # never echo anything key-like back (litellm sometimes quotes the request)
    import re

    text = re.sub(r"(sk-|key=|AIza)[A-Za-z0-9_\-]{6,}", r"\1…", text)
    return text[:limit] + ("…" if len(text) > limit else "")
