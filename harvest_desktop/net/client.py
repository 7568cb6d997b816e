"""The one client factory: timeouts, verified TLS, HTTP/2, environment proxies, Harvest's User-Agent,
and the address policy installed in every connection pool."""

from __future__ import annotations

import typing
from typing import Iterable

from harvest_desktop import __version__
from harvest_desktop.net.policy import AddressPolicy

if typing.TYPE_CHECKING:
    import httpx

USER_AGENT = f"Harvest/{__version__} (+https://harvest.invalid/bot; desktop study tool)"
DEFAULT_TIMEOUT_S = 30.0


def user_agent(contact: str = "") -> str:
    """Harvest/<version> (...), with the person's contact (mailto: or URL) when they gave one."""
    contact = contact.strip()
    return f"{USER_AGENT[:-1]}; {contact})" if contact else USER_AGENT


def _http2_available() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


def _common(purpose: str, allow_hosts: Iterable[str | tuple[str, int]], policy: AddressPolicy | None,
            timeout: "float | httpx.Timeout", contact: str, headers: dict[str, str] | None, http2: bool
            ) -> tuple[AddressPolicy, dict[str, typing.Any]]:
    import httpx

    policy = policy or AddressPolicy()
    if allow_hosts:
        policy = policy.with_hosts(allow_hosts)
    hdrs = {"User-Agent": user_agent(contact)}
    hdrs.update(headers or {})
    kwargs = dict(headers=hdrs, verify=True, http2=http2 and _http2_available(),
                  timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
    return policy, kwargs


def make_async_client(purpose: str = "web", *, allow_hosts: Iterable[str | tuple[str, int]] = (),
                      policy: AddressPolicy | None = None, timeout: "float | httpx.Timeout" = DEFAULT_TIMEOUT_S,
                      contact: str = "", headers: dict[str, str] | None = None, http2: bool = True,
                      trust_env: bool = True, max_connections: int = 20, follow_redirects: bool = False,
                      base_url: str = "", inner_backend: typing.Any = None) -> "httpx.AsyncClient":
    """An httpx.AsyncClient whose every connection goes through the address policy.

    purpose: a word for logs ('web', 'ai', 'sync'). allow_hosts: host:port pairs or URLs the person
    configured (e.g. 'http://127.0.0.1:11434'), which may be private. inner_backend: tests only
    (an httpcore backend that the checked addresses are handed to)."""
    import httpx

    from harvest_desktop.net.backend import install

    policy, kwargs = _common(purpose, allow_hosts, policy, timeout, contact, headers, http2)
    client = httpx.AsyncClient(trust_env=trust_env, follow_redirects=follow_redirects, base_url=base_url,
                               limits=httpx.Limits(max_connections=max(1, max_connections)), **kwargs)
    client.harvest_policy = install(client, policy, inner_backend=inner_backend)  # type: ignore[attr-defined]
    client.harvest_purpose = purpose  # type: ignore[attr-defined]
    return client


def make_client(purpose: str = "web", *, allow_hosts: Iterable[str | tuple[str, int]] = (),
                policy: AddressPolicy | None = None, timeout: "float | httpx.Timeout" = DEFAULT_TIMEOUT_S,
                contact: str = "", headers: dict[str, str] | None = None, http2: bool = True,
                trust_env: bool = True, max_connections: int = 20, follow_redirects: bool = False,
                base_url: str = "", inner_backend: typing.Any = None) -> "httpx.Client":
    """The blocking twin of make_async_client (for code that runs in a worker thread)."""
    import httpx

    from harvest_desktop.net.backend import install

    policy, kwargs = _common(purpose, allow_hosts, policy, timeout, contact, headers, http2)
    client = httpx.Client(trust_env=trust_env, follow_redirects=follow_redirects, base_url=base_url,
                          limits=httpx.Limits(max_connections=max(1, max_connections)), **kwargs)
    client.harvest_policy = install(client, policy, inner_backend=inner_backend)  # type: ignore[attr-defined]
    client.harvest_purpose = purpose  # type: ignore[attr-defined]
    return client


def make_async_transport(*, allow_hosts: Iterable[str | tuple[str, int]] = (), policy: AddressPolicy | None = None,
                         http2: bool = True, inner_backend: typing.Any = None) -> "httpx.AsyncBaseTransport":
    """A transport with the address policy, for libraries that build their own httpx client and take
    httpx keyword arguments (ollama.AsyncClient(host, transport=...)). Such a client does not read
    proxies from the environment (httpx ignores them when a transport is given); set its User-Agent
    with headers={"User-Agent": net.user_agent()}."""
    import httpx

    from harvest_desktop.net.backend import wrap_transport

    policy = (policy or AddressPolicy()).with_hosts(allow_hosts)
    return wrap_transport(httpx.AsyncHTTPTransport(verify=True, http2=http2 and _http2_available()), policy,
                          inner_backend=inner_backend)


def make_transport(*, allow_hosts: Iterable[str | tuple[str, int]] = (), policy: AddressPolicy | None = None,
                   http2: bool = True, inner_backend: typing.Any = None) -> "httpx.BaseTransport":
    """The blocking twin of make_async_transport."""
    import httpx

    from harvest_desktop.net.backend import wrap_transport

    policy = (policy or AddressPolicy()).with_hosts(allow_hosts)
    return wrap_transport(httpx.HTTPTransport(verify=True, http2=http2 and _http2_available()), policy,
                          inner_backend=inner_backend)
