"""Ollama (through the ollama client, with timeouts set) and the built-in offline engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterator

from harvest_desktop.ai import http
from harvest_desktop.ai.providers.base import FREE, Completion, Delta, GenRequest, ModelInfo, Price, ProviderError
from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import Cancelled

log = logging.getLogger(__name__)

START_HINT = ("start Ollama (run `ollama serve`, or open the Ollama app), or set its address with "
              "`harvest keys set ollama`")


@dataclass(frozen=True)
class PullProgress:
    status: str
    completed: int | None = None
    total: int | None = None


class OllamaProvider:
    name = "ollama"

    def __init__(self, url: str, timeouts: http.Timeouts | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeouts = timeouts or http.timeouts_for(self.url)
        self._client = None

    def client(self):
        if self._client is None:
            import ollama

            self._client = ollama.Client(host=self.url, **http.client_kwargs(self.url, self.timeouts))
        return self._client

    # -- server ------------------------------------------------------------------------------
    def models(self) -> list[ModelInfo]:
        try:
            resp = self.client().list()
        except Exception as exc:
            raise self._error(exc) from None
        out = []
        for m in getattr(resp, "models", []) or []:
            name = getattr(m, "model", None) or getattr(m, "name", None)
            if name:
                out.append(ModelInfo(str(name), getattr(m, "size", None)))
        return out

    def pull(self, model: str, cancel: CancelToken = NEVER,
             progress: Callable[[PullProgress], None] | None = None) -> None:
        """Download a model, reporting progress; a cancel stops the download (Ollama keeps the parts)."""
        try:
            stream = self.client().pull(model, stream=True)
            for part in stream:
                if cancel.cancelled:
                    close = getattr(stream, "close", None)
                    if close:
                        close()
                    raise Cancelled()
                if progress is not None:
                    progress(PullProgress(str(getattr(part, "status", "") or ""),
                                          getattr(part, "completed", None), getattr(part, "total", None)))
        except Cancelled:
            raise
        except Exception as exc:
            raise self._error(exc, model) from None

    # -- protocol ----------------------------------------------------------------------------
    def count_tokens(self, model: str, messages: list[dict[str, str]]) -> int:
        # Ollama exposes no tokenizer; litellm's default one is a close stand-in (cost is zero anyway).
        from harvest_desktop.ai.providers.cloud import litellm

        return int(litellm().token_counter(model="gpt-4o-mini", messages=messages))

    def price(self, model: str) -> Price | None:
        return FREE

    def complete(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Completion:
        from harvest_desktop.ai.providers.base import collect

        c = collect(self.stream(model, req, cancel), cancel)
        c.model = model
        return c

    def stream(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Iterator[Delta]:
        options = {"num_predict": req.max_output_tokens, "temperature": req.temperature}
        try:
            stream = self.client().chat(model=model, messages=req.messages, stream=True, options=options,
                                        format=req.json_schema or None)
            for part in stream:
                if cancel.cancelled:
                    close = getattr(stream, "close", None)
                    if close:
                        close()
                    return
                text = part.message.content if part.message is not None else ""
                if text:
                    yield Delta(text=text)
                if part.done:
                    yield Delta(done=True, tokens_in=part.prompt_eval_count, tokens_out=part.eval_count,
                                finish_reason=part.done_reason or "stop")
                    return
        except ProviderError:
            raise
        except Exception as exc:
            raise self._error(exc, model) from None
        raise ProviderError("ollama", "dropped", "the answer stopped before it was finished")

    def _error(self, exc: BaseException, model: str | None = None) -> ProviderError:
        """The ollama client's raw httpx errors turned into messages."""
        import httpx
        import ollama

        if isinstance(exc, ollama.ResponseError):
            status = getattr(exc, "status_code", None)
            msg = str(getattr(exc, "error", "") or exc)
            if status == 404 or "not found" in msg.lower():
                return ProviderError("ollama", "not_found", f"the model '{model}' is not installed",
                                     hint=f"pull it with `ollama pull {model}` or in the Formats pane", status=status)
            kind = "server" if (status or 500) >= 500 else "bad_request"
            return ProviderError("ollama", kind, f"Ollama said: {msg[:200]}", status=status)
        if isinstance(exc, httpx.TimeoutException):
            return ProviderError("ollama", "timeout", f"no answer from {self.url} in time",
                                 hint="a large model may still be loading: try again, or pick a smaller one")
        if isinstance(exc, (httpx.ConnectError, ConnectionError)):
            return ProviderError("ollama", "unreachable", f"Ollama is not running at {self.url}", hint=START_HINT)
        if isinstance(exc, httpx.RemoteProtocolError):
            return ProviderError("ollama", "dropped", "the connection dropped mid-answer")
        if isinstance(exc, httpx.HTTPError):
            return ProviderError("ollama", "unreachable", f"{type(exc).__name__} talking to {self.url}",
                                 hint=START_HINT)
        return ProviderError("ollama", "server", f"unexpected failure ({type(exc).__name__}: {str(exc)[:160]})")
