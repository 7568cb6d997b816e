"""The one HTTP layer: every outgoing request of Harvest (web pages, AI providers, sync) goes through here.

What it guarantees, written once:
- **Client factory**: timeouts, TLS always verified, HTTP/2 where the server offers it, proxies
  from the environment (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY), and a User-Agent naming Harvest and
  its version (``net.user_agent(contact)``).
- **Address policy at connect time**: each connection resolves its name once through the policy,
  every answer is checked, and the socket goes to exactly that checked address (the Host header,
  SNI and certificate check keep the name). Cloud metadata addresses (169.254.169.254,
  fd00:ec2::254, metadata.google.internal, ...) are always refused. Private, loopback and
  link-local addresses are allowed only for the exact host:port the person named: an endpoint they
  configured (``allow_hosts``) or a URL they typed (``with net.person_named(url):``). Redirect hops
  and links found on pages never inherit that permission. URLs carrying ``user:password@`` are
  refused (``net.strip_userinfo`` cleans what a person typed; logins belong in the keyring).
- **Retries** with exponential backoff and jitter, honouring Retry-After (``net.send_with_retries``,
  ``net.RetryPolicy``).
- **Per-host politeness** for crawling (``net.PoliteFetcher``): robots.txt and its Crawl-delay,
  spacing and concurrency per host, one shared state for the whole run (``net.default_book()``).

API for the AI providers and the sync client::

    from harvest_desktop import net

    # litellm takes a ready client (e.g. litellm.aclient_session = client, or the provider's
    # client= argument); ollama takes httpx kwargs: see make_async_transport below.
    client = net.make_async_client("ai", allow_hosts=["http://127.0.0.1:11434"], timeout=120)
    resp = await net.send_with_retries(client, "POST", url, json=payload,
                                       retry=net.RetryPolicy(max_retries=3), cancel=token)
    ...
    await client.aclose()

    sync_client = net.make_client("sync", allow_hosts=[configured_server_url])  # blocking twin

- ``make_async_client(purpose, *, allow_hosts=(), policy=None, timeout=30, contact="", headers=None,
  http2=True, trust_env=True, max_connections=20, follow_redirects=False, base_url="")`` ->
  ``httpx.AsyncClient``; ``make_client(...)`` -> ``httpx.Client``. ``allow_hosts`` takes
  'host:port' strings, URLs or (host, port) pairs: the endpoints the person configured (an Ollama
  or llama.cpp server on 127.0.0.1, a self-hosted sync server) may then be private. Public hosts
  need no entry. With ``follow_redirects=True`` every hop is still checked at connect time.
- ``make_async_transport(allow_hosts=..)`` / ``make_transport(..)``: an httpx transport with the
  policy, for libraries that build their own httpx client from kwargs (ollama:
  ``ollama.AsyncClient(host=url, transport=net.make_async_transport(allow_hosts=[url]),
  headers={"User-Agent": net.user_agent()})``); environment proxies do not apply to those.
- ``AddressPolicy(allow_hosts=(), resolver=None)``: the decision object; ``resolver`` (host, port)
  -> [addresses] replaces DNS in tests. ``classify_address(ip)`` -> 'metadata'|'private'|'public'.
- Refusals raise ``core.errors.AddressRefused`` (a KnownError; never retried). Network failures
  become ``FetchError`` naming the host through ``net.describe(exc, url, timeout_s)``;
  ``send_with_retries`` does that already.
- ``retry_after(header)`` -> seconds or None; ``RetryPolicy.backoff(attempt)``.

This package imports only ``core`` (and httpx/httpcore lazily); nothing in acquire, understand,
index, formats, ai, services or ui.
"""

from __future__ import annotations

import typing

from harvest_desktop.net.client import (USER_AGENT, make_async_client, make_async_transport, make_client,
                                        make_transport, user_agent)
from harvest_desktop.net.hosts import HostBook, RobotsEntry, default_book
from harvest_desktop.net.policy import (METADATA_ADDRESSES, METADATA_HOSTS, AddressPolicy, classify_address,
                                        host_port, origin_of, person_named, strip_userinfo)
from harvest_desktop.net.retry import RETRYABLE_STATUS, RetryPolicy, retry_after, send_with_retries, status_message

if typing.TYPE_CHECKING:
    from harvest_desktop.core.errors import FetchError
    from harvest_desktop.net.crawl import CrawlLimits, Fetched, PoliteFetcher


def describe(exc: BaseException, url: str, timeout_s: float | None = None,
             setting: str | None = "fetch timeout") -> "FetchError":
    """A network exception as a FetchError whose one line names the host and the cause (and the
    setting that bounds the wait, if any)."""
    from harvest_desktop.net.backend import describe as _describe

    return _describe(exc, url, timeout_s, setting)


def __getattr__(name: str) -> typing.Any:  # the crawler is loaded when first used
    if name in ("CrawlLimits", "Fetched", "PoliteFetcher", "ROBOTS_TOKEN"):
        from harvest_desktop.net import crawl

        return getattr(crawl, name)
    raise AttributeError(name)


__all__ = [
    "USER_AGENT", "AddressPolicy", "CrawlLimits", "Fetched", "HostBook", "METADATA_ADDRESSES", "METADATA_HOSTS",
    "PoliteFetcher", "RETRYABLE_STATUS", "RetryPolicy", "RobotsEntry", "classify_address", "default_book",
    "describe", "host_port", "make_async_client", "make_async_transport", "make_client", "make_transport", "origin_of", "person_named", "retry_after",
    "send_with_retries", "status_message", "strip_userinfo", "user_agent",
]
