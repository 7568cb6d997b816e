"""The provider protocol and the values that cross it. Qt-free, no heavy imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError


@dataclass(frozen=True)
class Price:
    """US dollars per token; None means the price is not known (never guessed as zero)."""

    input: float
    output: float


FREE = Price(0.0, 0.0)


@dataclass
class GenRequest:
    """One generation: what to send, how long the answer may be, what it is for."""

    format: str
    messages: list[dict[str, str]]
    max_output_tokens: int
    temperature: float = 0.3
    json_schema: dict[str, Any] | None = None  # ask for JSON matching this schema
    source_ids: tuple[int, ...] = ()
    source_fingerprint: str = ""  # changes whenever a chosen source's text changes
    query: str = ""  # what the request asks, in words (the semantic cache embeds this)
    fresh: bool = False  # skip the cache


@dataclass
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str
    finish_reason: str = "stop"
    first_token_s: float | None = None


@dataclass
class Delta:
    """A piece of a streamed answer; the last one carries usage and finish_reason."""

    text: str = ""
    done: bool = False
    tokens_in: int | None = None
    tokens_out: int | None = None
    finish_reason: str | None = None


class ProviderError(KnownError):
    """A provider said no; `kind` is what the router and the Keys pane act on."""

    # kinds: auth, credit, rate_limit, unreachable, timeout, server, bad_request, dropped, refused_format
    def __init__(self, provider: str, kind: str, message: str, *, hint: str | None = None,
                 retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message, item=provider, hint=hint or HINTS.get(kind))
        self.provider = provider
        self.kind = kind
        self.retry_after = retry_after
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limit", "server", "timeout", "unreachable", "dropped")


HINTS = {
    "auth": "the key was refused: set a new one with `harvest keys set PROVIDER` or in the Keys pane",
    "credit": "the account has no credit left: add credit with the provider, or choose another engine",
    "rate_limit": "the provider is rate limiting: wait a minute, or choose another engine",
    "unreachable": "check the network connection or the server's address",
    "timeout": "the provider did not answer in time: try again later, or choose another engine",
    "server": "the provider had an internal error: try again later, or choose another engine",
    "bad_request": "the provider refused the request: choose another model or engine",
    "dropped": "the connection dropped mid-answer: try again",
    "not_found": "the model is not available there: pick another model",
}


@dataclass
class ModelInfo:
    name: str
    size: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    name: str  # "openai", "anthropic", "gemini", "ollama", "builtin" or an endpoint's name

    def complete(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Completion: ...

    def stream(self, model: str, req: GenRequest, cancel: CancelToken = NEVER) -> Iterator[Delta]: ...

    def count_tokens(self, model: str, messages: list[dict[str, str]]) -> int: ...

    def price(self, model: str) -> Price | None: ...


def collect(stream: Iterator[Delta], cancel: CancelToken, on_text=None) -> Completion:
    """Drain a stream into a Completion; a cancel or a stream without its end raises."""
    import time

    start = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    last = Delta()
    finished = False
    for d in stream:
        cancel.check()
        if d.text:
            if first is None:
                first = time.perf_counter() - start
            parts.append(d.text)
            if on_text is not None:
                on_text(d.text)
        if d.done:
            last = d
            finished = True
    cancel.check()  # a stream that ended because of a cancel is a cancel, not a failure
    if not finished:
        raise ProviderError("stream", "dropped", "the answer stopped before it was finished")
    return Completion("".join(parts), last.tokens_in or 0, last.tokens_out or 0, "",
                      last.finish_reason or "stop", first)
