"""The Harvest API client (the SDK): a small async wrapper over the v1 HTTP API.

Importable on its own by scripts; every request goes through Harvest's network layer (address
policy, retries with backoff that honour Retry-After, verified TLS)::

    import asyncio
    from harvest_desktop.sync.client import HarvestAPI

    async def main():
        async with HarvestAPI("http://127.0.0.1:8765", token="hvs_...") as api:
            print(await api.health())                    # {'ok': True, 'api': 1, ...}
            await api.put_library("my-library-uid", "Biology notes")
            page = await api.pull("my-library-uid", since=0)
            for record in page["changes"]:               # sources and outputs, newest state of each
                print(record["kind"], record["uid"], record["version"], record["deleted"])
            result = await api.push("my-library-uid", [
                {"change_id": "c-0001-abcd", "kind": "output", "uid": "out-0001", "base_version": 0,
                 "payload": {"output": {"format": "faq", "title": "FAQ", "engine": "builtin"}}}])
            print(result["results"])                     # applied | duplicate | conflict (+ current)

    asyncio.run(main())

Errors are KnownErrors with one line naming the server: `SyncAuthError` (token unknown or
revoked), `SyncServerError` (the server said no), and net's `FetchError` (unreachable, timed out).
Other languages can generate a client from the server's schema at /v1/openapi.json.
"""

from __future__ import annotations

import typing
from typing import Any, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import BadInput, KnownError
from harvest_desktop.net import RetryPolicy, make_async_client, origin_of, send_with_retries, strip_userinfo

if typing.TYPE_CHECKING:
    import httpx

API_PREFIX = "/v1"
DEFAULT_RETRY = RetryPolicy(max_retries=3, base_s=0.5, cap_s=8.0, max_wait_s=120.0)


class SyncError(KnownError):
    """The sync server could not be used."""


class SyncAuthError(SyncError):
    """The server refused the device token (unknown or revoked)."""


class SyncServerError(SyncError):
    """The server answered with an error."""


def normalise_url(url: str) -> str:
    """'http(s)://host[:port]' (any path after it kept, trailing slash dropped); a login in it is refused."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise BadInput(f"'{url}' is not an http(s) address", hint="for example http://127.0.0.1:8765")
    clean, had_login = strip_userinfo(url)
    if had_login:
        raise BadInput("the server address carries a login", item=clean,
                       hint="give the address without user:password@; the token is asked for separately")
    clean = clean.rstrip("/")
    if clean.endswith(API_PREFIX):
        clean = clean[: -len(API_PREFIX)]
    return clean


class HarvestAPI:
    """One server, one device token. Use as an async context manager or call aclose()."""

    def __init__(self, url: str, token: str, *, retry: RetryPolicy | None = None, timeout: float = 60.0,
                 cancel: CancelToken = NEVER, client: "httpx.AsyncClient | None" = None) -> None:
        self.url = normalise_url(url)
        self.origin = origin_of(self.url)
        self._token = token
        self.retry = retry or DEFAULT_RETRY
        self.cancel = cancel
        # The person configured this server, so it may be on a private or loopback address.
        self._client = client or make_async_client("sync", allow_hosts=[self.url], timeout=timeout,
                                                   headers={"Authorization": f"Bearer {token}"})
        self.requests = 0

    async def __aenter__(self) -> "HarvestAPI":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- the API -----------------------------------------------------------------------------------
    async def health(self) -> dict[str, Any]:
        return await self._call("GET", "/health")

    async def me(self) -> dict[str, Any]:
        """Which device token this is (checks that the token is accepted)."""
        return await self._call("GET", "/me")

    async def libraries(self) -> list[dict[str, Any]]:
        return await self._call("GET", "/libraries")

    async def put_library(self, uid: str, name: str) -> dict[str, Any]:
        """Create the library on the server, or get it as it is (idempotent)."""
        return await self._call("PUT", f"/libraries/{uid}", json={"name": name})

    async def pull(self, library_uid: str, since: int = 0, limit: int = 200, *,
                   skip_own: bool = False) -> dict[str, Any]:
        """Records changed after cursor `since`: {'changes': [...], 'cursor': n, 'more': bool}.
        skip_own: leave out records whose latest version this device's token wrote."""
        params: dict[str, Any] = {"since": since, "limit": limit}
        if skip_own:
            params["skip_own"] = "true"
        return await self._call("GET", f"/libraries/{library_uid}/changes", params=params)

    async def push(self, library_uid: str, changes: Sequence[dict[str, Any]], *,
                   idempotency_key: str | None = None) -> dict[str, Any]:
        """Apply changes (each with its own change_id, applied once); {'results': [...]}."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self._call("POST", f"/libraries/{library_uid}/changes", json={"changes": list(changes)},
                                headers=headers)

    async def sources(self, library_uid: str) -> list[dict[str, Any]]:
        return await self._call("GET", f"/libraries/{library_uid}/sources")

    async def outputs(self, library_uid: str) -> list[dict[str, Any]]:
        return await self._call("GET", f"/libraries/{library_uid}/outputs")

    async def versions(self, library_uid: str, kind: str, uid: str) -> list[dict[str, Any]]:
        """Every version of a source or output ('sources' or 'outputs')."""
        return await self._call("GET", f"/libraries/{library_uid}/{kind}/{uid}/versions")

    async def concept_graphs(self, library_uid: str) -> list[dict[str, Any]]:
        return await self._call("GET", f"/libraries/{library_uid}/concept-graphs")

    # -- plumbing ----------------------------------------------------------------------------------
    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.url}{API_PREFIX}{path}"
        self.requests += 1
        resp = await send_with_retries(self._client, method, url, retry=self.retry, cancel=self.cancel, **kwargs)
        if resp.status_code == 401:
            raise SyncAuthError(f"the sync server refused this device's token ({_detail(resp)})", item=self.origin,
                                hint="ask for a new token (harvest-server token create NAME) and run "
                                     "`harvest sync setup URL` again")
        if resp.status_code >= 400:
            raise SyncServerError(f"the sync server answered HTTP {resp.status_code}: {_detail(resp)}",
                                  item=self.origin)
        return resp.json()


def _detail(resp: "httpx.Response") -> str:
    try:
        detail = resp.json().get("detail")
    except Exception:
        detail = None
    if isinstance(detail, list):  # FastAPI validation errors
        detail = "; ".join(str(d.get("msg", d)) for d in detail[:3] if isinstance(d, dict))
    return str(detail or resp.reason_phrase or "no reason given")[:300]
