"""Which addresses Harvest may connect to, decided on the very address it then connects to.

Cloud metadata services are never reached. Private, loopback and link-local addresses are reached
only for a host:port the person named themselves (a URL they typed or dropped, an Ollama or sync
endpoint they configured); that permission is exact (host and port) and is never lent to a
redirect target or to a link found on a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import socket
import threading
from typing import Callable, Iterable, Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

from harvest_desktop.core.errors import AddressRefused, BadInput, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]  # (host, port) -> addresses as text, in preference order

# Cloud instance metadata endpoints: never fetched, whatever anyone says.
METADATA_HOSTS = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.packet.net", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2",  # AWS ECS task metadata
    "169.254.169.253", "169.254.169.123",  # AWS DNS / time
    "fd00:ec2::254", "fd00:ec2::253", "fd00:ec2::23",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
    "168.63.129.16",  # Azure wire server
))
DEFAULT_PORTS = {"http": 80, "https": 443}

# Host:port pairs the person named for the work running in this task (see person_named()).
_NAMED: contextvars.ContextVar[frozenset[tuple[str, int]]] = contextvars.ContextVar("harvest_net_named",
                                                                                  default=frozenset())


def classify_address(ip: IPAddress) -> str:
    """'metadata', 'private' (loopback, private, link-local, reserved...) or 'public'."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global):
        return "private"
    return "public"


def normal_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot: the form grants and checks compare."""
    return host.strip().strip("[]").rstrip(".").lower()


def host_port(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, the port filled in from the scheme."""
    parts = urlsplit(url)
    host = normal_host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        raise BadInput("the address has an invalid port number", item=strip_userinfo(url)[0]) from None
    return host, port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)


def strip_userinfo(url: str) -> tuple[str, bool]:
    """The URL without any 'user:password@' part, and whether there was one.

    A login never travels in a URL: it would be stored, printed, logged and sent to every hop."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, False
    if "@" not in parts.netloc:
        return url, False
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), True


def origin_of(url: str) -> str:
    """scheme://host[:port], lower case and without a login: the key for robots.txt and host limits."""
    parts = urlsplit(strip_userinfo(url)[0])
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _as_grant(entry: str | tuple[str, int]) -> tuple[str, int]:
    if isinstance(entry, tuple):
        return normal_host(entry[0]), int(entry[1])
    text = entry.strip()
    if "://" in text:
        return host_port(text)
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or (host.count(":") and not host.endswith("]")):
        raise ValueError(f"allow_hosts entries are 'host:port' or URLs, not {entry!r}")
    return normal_host(host), int(port)


@contextlib.contextmanager
def person_named(*urls_or_hosts: str | tuple[str, int]) -> Iterator[None]:
    """Within this block (and tasks started in it) the exact host:port the person named may be private.

    Use it around work the person asked for by naming an address (a typed or dropped URL). It does
    not cover other hosts a redirect or a page link leads to."""
    grants = frozenset(_as_grant(u) for u in urls_or_hosts)
    token = _NAMED.set(_NAMED.get() | grants)
    try:
        yield
    finally:
        _NAMED.reset(token)


def named_now() -> frozenset[tuple[str, int]]:
    return _NAMED.get()


class AddressPolicy:
    """Decides, per connection, whether an address may be reached; resolves names once for that.

    allow_hosts: host:port pairs (or URLs) always allowed to be private, e.g. a configured Ollama
    server at 127.0.0.1:11434 or the proxy from the environment. Metadata addresses are refused
    even then. resolver: a function (host, port) -> addresses, for tests; the system's otherwise.
    """

    def __init__(self, allow_hosts: Iterable[str | tuple[str, int]] = (), *, resolver: Resolver | None = None,
                 lookup_timeout_s: float = 30.0) -> None:
        self.allow_hosts = frozenset(_as_grant(h) for h in allow_hosts)
        self.resolver = resolver
        self.lookup_timeout_s = lookup_timeout_s
        self._lock = threading.Lock()
        self._private_seen: set[tuple[str, int]] = set()  # reached on a private address (pooled)

    def with_hosts(self, extra: Iterable[str | tuple[str, int]]) -> "AddressPolicy":
        """A policy that also allows the given host:port pairs (this one if there are none)."""
        extra = list(extra)
        if not extra:
            return self
        new = AddressPolicy(list(self.allow_hosts) + extra, resolver=self.resolver,
                            lookup_timeout_s=self.lookup_timeout_s)
        return new

    # -- decisions -------------------------------------------------------------------------
    def may_be_private(self, host: str, port: int) -> bool:
        key = (normal_host(host), int(port))
        return key in self.allow_hosts or key in _NAMED.get()

    def check_name(self, host: str, port: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """Checks that need no lookup: metadata names, address literals. Returns the literal, if any."""
        host = normal_host(host)
        if not host:
            raise BadInput("the address has no host name")
        if host in METADATA_HOSTS or host.endswith(".metadata.google.internal"):
            raise AddressRefused(f"{host} is a cloud metadata service, which Harvest never contacts")
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            return None
        self.check_address(host, port, ip)
        return ip

    def check_address(self, host: str, port: int, ip: IPAddress) -> str:
        """Refuse a metadata address always, a private one unless host:port may be private."""
        kind = classify_address(ip)
        if kind == "metadata":
            raise AddressRefused(f"{host} resolves to a cloud metadata address ({ip}), which Harvest never "
                                 "contacts")
        if kind == "private" and not self.may_be_private(host, port):
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise AddressRefused(
                f"{shown} is a private, loopback or link-local address",
                hint="only an address you type or drop yourself (or configure as an endpoint) may point into "
                     "your own machine or network, and only that exact host and port; redirects and links "
                     "found on pages may not")
        return kind

    def check_pooled(self, host: str, port: int) -> None:
        """A request that would reuse a connection to a private address needs the same permission again."""
        key = (normal_host(host), int(port))
        with self._lock:
            seen = key in self._private_seen
        if seen and not self.may_be_private(*key):
            raise AddressRefused(f"{key[0]}:{key[1]} is a private, loopback or link-local address",
                                 hint="only an address you type or drop yourself may point there")

    def note_connected(self, host: str, port: int, kind: str) -> None:
        if kind == "private":
            with self._lock:
                self._private_seen.add((normal_host(host), int(port)))

    # -- resolving once --------------------------------------------------------------------
    def _checked(self, host: str, port: int, answers: Sequence[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for text in answers:
            try:
                ip = ipaddress.ip_address(str(text).split("%")[0])
            except ValueError:
                continue
            out.append((str(ip), self.check_address(host, port, ip)))  # any bad answer refuses the name
        if not out:
            raise FetchError(f"the host name '{host}' has no usable address")
        return out

    async def resolve(self, host: str, port: int) -> list[tuple[str, str]]:
        """[(address, kind)] for host, every answer checked; the caller connects to these and no other."""
        literal = self.check_name(host, port)
        if literal is not None:
            return [(str(literal), classify_address(literal))]
        host = normal_host(host)
        if self.resolver is not None:
            return self._checked(host, port, self.resolver(host, port))
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                                           timeout=self.lookup_timeout_s)
        except (socket.gaierror, UnicodeError):
            raise FetchError(f"the host name '{host}' could not be found (DNS lookup failed)",
                             hint="check the spelling and your internet connection") from None
        except (asyncio.TimeoutError, TimeoutError):
            raise FetchError(f"looking up '{host}' took longer than {self.lookup_timeout_s:g} s") from None
        return self._checked(host, port, [info[4][0] for info in infos])

    def resolve_sync(self, host: str, port: int) -> list[tuple[str, str]]:
        literal = self.check_name(host, port)
        if literal is not None:
            return [(str(literal), classify_address(literal))]
        host = normal_host(host)
        if self.resolver is not None:
            return self._checked(host, port, self.resolver(host, port))
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise FetchError(f"the host name '{host}' could not be found (DNS lookup failed)",
                             hint="check the spelling and your internet connection") from None
        return self._checked(host, port, [info[4][0] for info in infos])
