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


class StorageError(KnownError):
    """The library's storage said no: disk full, damaged file, read-only folder, another writer."""


class DiskFull(StorageError):
    """No space left where the library (or an output) is written; nothing stored is lost."""


class LibraryDamaged(StorageError):
    """The library file is not a valid database any more; a copy is kept and `harvest repair` offered."""

    def __init__(self, message: str, *, item: str | None = None, hint: str | None = None,
                 path: str | None = None, copy: str | None = None) -> None:
        super().__init__(message, item=item, hint=hint)
        self.path = path
        self.copy = copy


class LibraryBusy(StorageError):
    """Another Harvest process held the write lock for longer than the bounded wait."""


class LibraryReadOnly(StorageError):
    """The library's folder cannot be written; only reading commands work."""


class Cancelled(Exception):
    """Cancellation is not an error: callers stop quietly and show no dialog."""
