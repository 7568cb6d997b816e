"""The address policy at connect time: resolve once, check, connect to exactly that address.

httpcore asks its network backend to connect to (host, port); ours resolves the name through the
policy and connects to the checked address itself, so no second lookup (and no DNS answer switched
in between) can lead anywhere else. TLS still verifies the certificate for the name (SNI and the
Host header come from the URL, not from the address).
"""

from __future__ import annotations

import threading
import typing

import httpcore
import httpx

from harvest_desktop.core.errors import AddressRefused, BadInput, FetchError
from harvest_desktop.net.policy import AddressPolicy, host_port, named_now, normal_host


class PolicyAsyncBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy approved, resolving each name exactly once."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        answers = await self.policy.resolve(host, port)
        last: Exception | None = None
        for address, kind in answers:
            self.policy.note_connected(host, port, kind)  # before connecting: see PolicyAsyncTransport
            try:
                stream = await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                      socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return stream
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("connections over local sockets are not made by Harvest")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PolicySyncBackend(httpcore.NetworkBackend):
    """The same, for blocking clients."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.NetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        answers = self.policy.resolve_sync(host, port)
        last: Exception | None = None
        for address, kind in answers:
            self.policy.note_connected(host, port, kind)
            try:
                stream = self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return stream
        assert last is not None
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        raise AddressRefused("connections over local sockets are not made by Harvest")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _request_checks(policy: AddressPolicy, request: httpx.Request) -> tuple[str, int]:
    url = request.url
    if url.scheme not in ("http", "https"):
        raise BadInput(f"'{url.scheme or 'no scheme'}' addresses are not fetched; only http and https are")
    if url.userinfo:
        raise BadInput("the address carries a login (user:password@), which Harvest never sends in a URL",
                       hint="keep logins in the keyring; remove it from the address")
    host, port = normal_host(url.host), url.port or (443 if url.scheme == "https" else 80)
    policy.check_name(host, port)
    policy.check_pooled(host, port)
    return host, port


class PolicyAsyncTransport(httpx.AsyncBaseTransport):
    """Per request: scheme, login-free URL, metadata names and literals, pooled private connections.

    Requests made inside person_named() for their own host:port use a pool of their own (made on
    first use by twin()), so a request without that permission never rides on a connection that one
    with it opened to a private address. proxied: the proxy resolves the name, so the name is
    resolved and checked here as well (the proxy's own answer cannot be pinned; the proxy is one
    the person configured)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: AddressPolicy, *, proxied: bool = False,
                 twin: typing.Callable[[], httpx.AsyncBaseTransport] | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.proxied = proxied
        self._make_twin = twin
        self._named: httpx.AsyncBaseTransport | None = None

    def _route(self, host: str, port: int) -> httpx.AsyncBaseTransport:
        if self._make_twin is None or (host, port) not in named_now():
            return self.inner
        if self._named is None:
            self._named = self._make_twin()
        return self._named

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host, port = _request_checks(self.policy, request)
        if self.proxied:
            await self.policy.resolve(host, port)
        response = await self._route(host, port).handle_async_request(request)
        try:
            # Belt and braces for the shared pool: if a connection to this host:port ever reached a
            # private address, a request without the permission gets no answer from it.
            self.policy.check_pooled(host, port)
        except AddressRefused:
            await response.aclose()
            raise
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
        if self._named is not None:
            await self._named.aclose()


class PolicySyncTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, policy: AddressPolicy, *, proxied: bool = False,
                 twin: typing.Callable[[], httpx.BaseTransport] | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.proxied = proxied
        self._make_twin = twin
        self._named: httpx.BaseTransport | None = None
        self._lock = threading.Lock()

    def _route(self, host: str, port: int) -> httpx.BaseTransport:
        if self._make_twin is None or (host, port) not in named_now():
            return self.inner
        with self._lock:
            if self._named is None:
                self._named = self._make_twin()
            return self._named

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host, port = _request_checks(self.policy, request)
        if self.proxied:
            self.policy.resolve_sync(host, port)
        response = self._route(host, port).handle_request(request)
        try:
            self.policy.check_pooled(host, port)
        except AddressRefused:
            response.close()
            raise
        return response

    def close(self) -> None:
        self.inner.close()
        if self._named is not None:
            self._named.close()


def _pool_of(transport: typing.Any) -> typing.Any:
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpx version has no connection pool to put the address policy into")
    return pool


def wrap_transport(transport: typing.Any, policy: AddressPolicy, *, proxied: bool = False,
                   inner_backend: typing.Any = None) -> typing.Any:
    """An httpx transport with the policy: its pool connects through our backend, requests are checked."""
    pool = _pool_of(transport)
    is_async = isinstance(transport, httpx.AsyncBaseTransport)
    backend = PolicyAsyncBackend(policy, inner_backend) if is_async else PolicySyncBackend(policy, inner_backend)
    pool._network_backend = backend

    def twin() -> typing.Any:  # the same settings, a pool of its own
        cls = httpx.AsyncHTTPTransport if is_async else httpx.HTTPTransport
        limits = httpx.Limits(max_connections=pool._max_connections,
                              max_keepalive_connections=pool._max_keepalive_connections,
                              keepalive_expiry=pool._keepalive_expiry)
        made = cls(verify=pool._ssl_context, http2=pool._http2, limits=limits)
        _pool_of(made)._network_backend = backend
        return made

    wrapper = PolicyAsyncTransport if is_async else PolicySyncTransport
    return wrapper(transport, policy, proxied=proxied, twin=None if proxied else twin)


def install(client: httpx.Client | httpx.AsyncClient, policy: AddressPolicy, *,
            inner_backend: typing.Any = None) -> AddressPolicy:
    """Put the policy into every transport of a freshly made client; returns the policy in force.

    httpx builds its transports (and the proxies from the environment) itself and offers no way to
    pass a network backend, so the backend is set on each transport's connection pool here; a
    future httpx without that pool fails loudly (RuntimeError, caught by the tests) instead of
    silently skipping the check. Proxies from the environment were configured by the person, so
    their own host:port may be private (never a metadata address)."""
    mounts = client._mounts  # type: ignore[union-attr]
    keys = [k for k, t in mounts.items() if t is not None]
    proxies: list[tuple[str, int]] = []
    for k in keys:
        proxy_url = getattr(_pool_of(mounts[k]), "_proxy_url", None)
        if proxy_url is not None:
            origin = proxy_url.origin
            proxies.append((normal_host(origin.host.decode("ascii")), origin.port))
    if proxies:
        policy = policy.with_hosts(proxies)
    client._transport = wrap_transport(client._transport, policy,  # type: ignore[union-attr]
                                       inner_backend=inner_backend)
    for k in keys:
        mounts[k] = wrap_transport(mounts[k], policy, proxied=True, inner_backend=inner_backend)
    return policy


def describe(exc: BaseException, url: str, timeout_s: float | None = None,
             setting: str | None = "fetch timeout") -> FetchError:
    """A network failure as one line a person can act on, naming the host."""
    import socket
    import ssl

    netloc = httpx.URL(url).netloc.decode("ascii", "replace") if "://" in url else url
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        limit = f" within {timeout_s:g} s" if timeout_s else " in time"
        where = f" (setting: {setting})" if setting else ""
        return FetchError(f"no complete answer from {netloc}{limit}{where}",
                          hint="the site may be slow or down; try later")
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "certificate" in text:
        return FetchError(f"the TLS certificate of {netloc} could not be verified; Harvest always checks "
                          "certificates (the site's certificate may be self-signed, expired or for another name)")
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "tls" in text:
        return FetchError(f"the secure (TLS) connection to {netloc} failed")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return FetchError(f"the connection to {netloc} was refused (nothing is listening there)")
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service" in text or "nodename" in text:
        return FetchError(f"the host name {host_port(url)[0]} could not be found (DNS lookup failed)")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(f"{netloc} closed the connection or sent a malformed answer")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError("only http and https addresses are fetched")
    return FetchError(f"could not fetch from {netloc} ({exc.__class__.__name__}: {exc})")
