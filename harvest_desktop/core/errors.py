"""Two kinds of failure: KnownError (explain to the user, name the item and the fix) and bugs."""

from __future__ import annotations


class KnownError(Exception):
    """An expected failure with a message a person can act on."""

    def __init__(self, message: str, *, item: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.item = item
        self.hint = hint

    def __str__(self) -> str:
        parts = []
        if self.item:
            parts.append(f"{self.item}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return "".join(parts)


class BadInput(KnownError):
    """A file or URL that cannot be read as what it claims to be."""


class LimitExceeded(BadInput):
    """A configured limit (size, time, pages, decompressed bytes) was hit."""


class UnsupportedFormat(BadInput):
    """No reader for this kind of file."""


class FetchError(KnownError):
    """The network said no: DNS, refused, timeout, HTTP error, TLS."""


class RobotsRefused(FetchError):
    """robots.txt disallows the URL for our user agent."""


class AddressRefused(FetchError):
    """The URL resolves to an address we do not fetch (metadata, private without consent)."""


class NeedsModel(KnownError):
    """The chosen format needs a generative model that is not configured."""


class Cancelled(Exception):
    """Cancellation is not an error: callers stop quietly and show no dialog."""
