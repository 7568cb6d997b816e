"""The network layer against real HTTP servers on 127.0.0.1 (and a stub resolver for names).

Nothing here binds or reaches an address outside 127.0.0.0/8: a refused address is refused before
any connection, and the one "public" address in the DNS-switch test is routed to loopback by a
test network backend that records every address it is asked to connect to.
"""

from __future__ import annotations

import asyncio
import socket
import time

import httpcore
import httpx
import pytest

from harvest_desktop import __version__, net
from harvest_desktop.acquire.web import WebHarvester
from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import AddressRefused, BadInput, FetchError
from harvest_desktop.core.settings import Settings
from tests.fixtures_net import PAGE, Server


@pytest.fixture(autouse=True)
def no_proxy_from_the_developer(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def servers():
    made: list[Server] = []

    def make(routes: dict, **kw) -> Server:
        s = Server(routes, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def settings(**web) -> Settings:
    st = Settings()
    st.web.min_delay_per_host_s = web.pop("min_delay", 0.0)
    st.limits.fetch_timeout_s = web.pop("timeout", 5.0)
    for k, v in web.items():
        setattr(st.web, k, v)
    return st


def run_harvester(coro_fn, st: Settings | None = None, **kw):
    async def go():
        web = WebHarvester(st or settings(), **kw)
        web.retry_base_s = 0.05
        try:
            return await coro_fn(web)
        finally:
            await web.aclose()

    return asyncio.run(go())


class RoutedBackend(httpcore.AsyncNetworkBackend):
    """Test network: each "public" address is served by a loopback server; every address asked
    for is recorded, and anything else fails without touching the network."""

    def __init__(self, routes: dict[str, int]) -> None:
        self.routes = routes
        self.asked: list[str] = []
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append(host)
        if host not in self.routes:
            raise httpcore.ConnectError(f"test network: {host} is not routed")
        return await self.inner.connect_tcp("127.0.0.1", self.routes[host], timeout=timeout)

    async def sleep(self, seconds):
        await self.inner.sleep(seconds)


# -- redirects do not inherit the typed address's permission ---------------------------------------
def test_redirect_from_typed_loopback_to_another_private_address_is_refused(servers):
    other = servers({"/secret": (200, {}, PAGE.format(t="Secret"))})
    typed = servers({"/go-port": (302, {"Location": other.base + "/secret"}, b""),
                     "/go-name": (302, {"Location": f"http://localhost:{other.port}/secret"}, b""),
                     "/go-other-ip": (302, {"Location": "http://127.0.0.2/secret"}, b""),
                     "/go-here": (302, {"Location": "/page"}, b""),
                     "/page": (200, {}, PAGE.format(t="Here"))})
    for path in ("/go-port", "/go-name", "/go-other-ip"):
        with pytest.raises(AddressRefused) as err:
            run_harvester(lambda w: w.fetch_document(typed.base + path, CancelToken()))
        assert "redirect target" in str(err.value) and typed.base + path in str(err.value)
    assert other.log == []  # nothing reached the other private server, not even robots.txt
    # the exact host:port the person typed stays allowed, redirects within it too
    doc = run_harvester(lambda w: w.fetch_document(typed.base + "/go-here", CancelToken()))
    assert doc.attribution.final_url == typed.base + "/page" and "Here" in doc.title


def test_links_found_on_a_page_are_not_typed_by_the_person(servers):
    """A typed page that moved to another host: its links there never get the typed host's permission,
    even when they come back later as ordinary queued URLs (as "harvest add --section" queues them)."""
    moved = servers({"/index": (200, {}, PAGE.format(t="Index").replace(
        "</article>", '<a href="/a">a</a> <a href="http://127.0.0.1:9/x">x</a></article>')),
        "/a": (200, {}, PAGE.format(t="Page A"))}, close=True)  # each request on a new connection
    typed = servers({"/start": (302, {"Location": "http://moved.example/index"}, b"")})
    dns = {"typed.example": ["93.184.216.34"], "moved.example": ["93.184.216.35"]}
    routed = RoutedBackend({"93.184.216.34": typed.port, "93.184.216.35": moved.port})
    policy = net.AddressPolicy(resolver=lambda h, p: dns[h])

    async def go(web):
        links = await web.section_links("http://typed.example/start", CancelToken())
        assert links == ["http://moved.example/a"]  # other hosts' links are not followed
        dns["moved.example"] = ["127.0.0.1"]  # the found link's host now points into this machine
        with pytest.raises(AddressRefused):
            await web.fetch_document(links[0], CancelToken(), user_given=True)
        dns["moved.example"] = ["93.184.216.35"]
        return await web.fetch_document(links[0], CancelToken(), user_given=True)

    assert "Page A" in run_harvester(go, policy=policy, inner_backend=routed).title
    assert "127.0.0.1" not in routed.asked


def test_private_names_are_refused_at_connect_time(servers):
    site = servers({"/p": (200, {}, PAGE.format(t="P"))})
    with pytest.raises(AddressRefused) as err:  # "localhost" is a name: refused after it resolved
        run_harvester(lambda w: w.fetch_document(f"http://localhost:{site.port}/p", CancelToken(),
                                                 user_given=False))
    assert "private" in str(err.value)
    assert site.log == []


# -- a DNS answer switched between check and fetch ------------------------------------------------
def test_dns_answer_switched_to_metadata_is_never_fetched(servers):
    site = servers({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nCrawl-delay: 1\n"),
                    "/page": (200, {}, PAGE.format(t="Rebound"))}, close=True)
    answers = iter([["93.184.216.34"], ["169.254.169.254"], ["169.254.169.254"]])
    asked_names: list[str] = []

    def resolver(host, port):
        asked_names.append(host)
        return next(answers)

    routed = RoutedBackend({"93.184.216.34": site.port})
    policy = net.AddressPolicy(resolver=resolver)
    with pytest.raises(AddressRefused) as err:
        run_harvester(lambda w: w.fetch_document(f"http://rebind.example:{site.port}/page", CancelToken()),
                      policy=policy, inner_backend=routed)
    assert "metadata" in str(err.value) and "169.254.169.254" in str(err.value)
    assert routed.asked == ["93.184.216.34"]  # the metadata address was never connected to
    assert [p for _, p, _ in site.log] == ["/robots.txt"]  # and no page came from it
    assert asked_names == ["rebind.example", "rebind.example"]  # one lookup per connection, each checked


def test_connection_goes_to_the_address_that_was_checked(servers):
    site = servers({"/page": (200, {}, PAGE.format(t="Pinned"))})
    routed = RoutedBackend({"93.184.216.34": site.port})
    policy = net.AddressPolicy(resolver=lambda h, p: ["93.184.216.34"])

    async def go():
        async with net.make_async_client("sync", policy=policy, inner_backend=routed) as client:
            return await client.get(f"http://pinned.example:{site.port}/page")

    resp = asyncio.run(go())
    assert resp.status_code == 200 and routed.asked == ["93.184.216.34"]
    assert site.log[0][2]["host"] == f"pinned.example:{site.port}"  # the Host header keeps the name


# -- 429 with Retry-After, stalls ------------------------------------------------------------------
def _busy_once(server, handler):
    n = len(server.hits("/busy"))
    if n == 1:
        return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"
    return 200, {}, PAGE.format(t="Calm again")


def test_429_retry_after_is_honoured(servers):
    site = servers({"/busy": _busy_once})
    doc = run_harvester(lambda w: w.fetch_document(site.base + "/busy", CancelToken()))
    assert "Calm again" in doc.title
    first, second = site.hits("/busy")
    print(f"\n  429 with Retry-After: 1 -> retried after {second - first:.3f} s")
    assert second - first >= 0.95, second - first  # Retry-After: 1, not the 0.05 s backoff

    api = servers({"/v1/chat": lambda s, h: (429, {"Retry-After": "1"}, b"{}") if len(s.hits("/v1/chat")) == 1
                   else (200, {"Content-Type": "application/json"}, b'{"ok": true}')})

    async def call():
        async with net.make_async_client("ai", allow_hosts=[api.base]) as client:
            return await net.send_with_retries(client, "POST", api.base + "/v1/chat", json={"q": 1},
                                               retry=net.RetryPolicy(base_s=0.01))

    started = time.monotonic()
    resp = asyncio.run(call())
    assert resp.status_code == 200 and resp.json() == {"ok": True}
    first, second = api.hits("/v1/chat")
    assert second - first >= 0.95 and time.monotonic() - started >= 0.95


def test_backoff_grows_with_jitter():
    import random

    policy = net.RetryPolicy(base_s=1.0, cap_s=8.0)
    rng = random.Random(7)
    waits = [[policy.backoff(a, rng) for _ in range(200)] for a in range(5)]
    for attempt, ws in enumerate(waits):
        step = min(8.0, 2 ** attempt)
        assert all(step / 2 <= w <= step for w in ws)
        assert len({round(w, 6) for w in ws}) > 100  # jittered, not in lock step
    assert net.retry_after("7") == 7.0 and net.retry_after("soon") is None


def test_stalled_server_times_out_naming_the_host():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections and never answers
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(FetchError) as err:
            run_harvester(lambda w: w.fetch_document(f"http://127.0.0.1:{port}/page", CancelToken()),
                          settings(timeout=0.5))
        assert f"127.0.0.1:{port}" in str(err.value) and "fetch timeout" in str(err.value)
        assert time.monotonic() - started < 5

        async def call():
            async with net.make_async_client("ai", allow_hosts=[f"127.0.0.1:{port}"], timeout=0.5) as client:
                return await net.send_with_retries(client, "GET", f"http://127.0.0.1:{port}/v1/models",
                                                   retry=net.RetryPolicy(max_retries=0))

        with pytest.raises(FetchError) as err:
            asyncio.run(call())
        assert f"127.0.0.1:{port}" in str(err.value) and "0.5 s" in str(err.value)
    finally:
        listener.close()


# -- clients for the AI providers and sync ---------------------------------------------------------
def test_configured_endpoint_is_allowed_for_that_exact_host_and_port(servers):
    ollama = servers({"/api/tags": (200, {"Content-Type": "application/json"}, b'{"models": []}')})
    other = servers({"/api/tags": (200, {}, b"{}")})

    async def go():
        async with net.make_async_client("ai", allow_hosts=[f"http://127.0.0.1:{ollama.port}"]) as client:
            ok = await client.get(ollama.base + "/api/tags")
            for url in (other.base + "/api/tags", f"http://localhost:{ollama.port}/api/tags",
                        "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/"):
                with pytest.raises(AddressRefused):
                    await client.get(url)
            with pytest.raises(BadInput):
                await client.get(f"http://user:pw@127.0.0.1:{ollama.port}/api/tags")
            return ok

    resp = asyncio.run(go())
    assert resp.json() == {"models": []}
    ua = ollama.log[0][2]["user-agent"]
    assert ua.startswith(f"Harvest/{__version__}")
    assert other.log == [] and len(ollama.log) == 1 and "authorization" not in ollama.log[0][2]


def test_metadata_is_refused_even_when_configured():
    with pytest.raises(AddressRefused):
        with net.make_client("ai", allow_hosts=["169.254.169.254:80"]) as client:
            client.get("http://169.254.169.254/latest/meta-data/")


def test_pooled_private_connection_needs_the_permission_again(servers):
    site = servers({"/p": (200, {}, b"ok")})
    url = f"http://localhost:{site.port}/p"

    async def go():
        async with net.make_async_client("web") as client:
            with net.person_named(url):
                first = await client.get(url)  # typed by the person: allowed, connection kept alive
            with pytest.raises(AddressRefused):
                await client.get(url)  # same pooled connection, no permission now
            return first

    assert asyncio.run(go()).status_code == 200
    assert len(site.log) == 1


def test_blocking_client_and_transport_apply_the_policy(servers):
    site = servers({"/v1/sync": (200, {"Content-Type": "application/json"}, b'{"rev": 3}')})
    with net.make_client("sync", allow_hosts=[site.base]) as client:
        assert client.get(site.base + "/v1/sync").json() == {"rev": 3}
    with net.make_client("sync") as client:
        with pytest.raises(AddressRefused):
            client.get(f"http://localhost:{site.port}/v1/sync")
    transport = net.make_async_transport(allow_hosts=[site.base])

    async def go():
        async with httpx.AsyncClient(transport=transport) as client:  # as ollama.AsyncClient builds it
            ok = await client.get(site.base + "/v1/sync")
            with pytest.raises(AddressRefused):
                await client.get(f"http://localhost:{site.port}/v1/sync")
            return ok

    assert asyncio.run(go()).status_code == 200


class _EveryPath(dict):
    def get(self, key, default=None):
        if key.endswith("/robots.txt"):
            return 200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"
        if key.endswith("/article"):
            return 200, {}, PAGE.format(t="Through the proxy")
        return lambda server, handler: (200, {}, f"proxied {handler.path}")


def test_proxy_from_the_environment_is_used_and_targets_still_checked(servers, monkeypatch):
    proxy = servers(_EveryPath())
    monkeypatch.setenv("HTTP_PROXY", proxy.base)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    policy = net.AddressPolicy(resolver=lambda h, p: ["93.184.216.34"] if h == "public.example" else
                               ["169.254.169.254"])
    with net.make_client("web", policy=policy) as client:
        resp = client.get("http://public.example/page")
        assert resp.text == "proxied http://public.example/page"
        with pytest.raises(AddressRefused):
            client.get("http://169.254.169.254/latest/meta-data/")
        with pytest.raises(AddressRefused):
            client.get("http://rebind.example/")  # the name is checked here even though the proxy resolves it
    assert [p for _, p, _ in proxy.log] == ["http://public.example/page"]
    # the web harvester reads the same environment
    doc = run_harvester(lambda w: w.fetch_document("http://public.example/article", CancelToken()),
                        policy=policy)
    assert doc.attribution.final_url == "http://public.example/article"
    assert [p for _, p, _ in proxy.log][1:] == ["http://public.example/robots.txt", "http://public.example/article"]


# -- logins in URLs ---------------------------------------------------------------------------------
def test_login_in_url_is_never_sent_stored_or_shown(servers):
    site = servers({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"),
                    "/page": (200, {}, PAGE.format(t="Private notes"))})
    url = f"http://Alice:S3cret@127.0.0.1:{site.port}/page"
    doc = run_harvester(lambda w: w.fetch_document(url, CancelToken()))
    assert doc.attribution.location == site.base + "/page"
    assert "S3cret" not in doc.attribution.final_url
    for _, path, headers in site.log:
        assert "authorization" not in headers and "S3cret" not in path and "s3cret" not in path
    assert [p for _, p, _ in site.log] == ["/robots.txt", "/page"]

    from harvest_desktop.acquire.discover import expand_items

    notes: list = []
    found, errors = expand_items([url], notes=notes)
    assert found == [("url", site.base + "/page", site.base + "/page")] and errors == []
    assert notes and "dropped" in notes[0][1] and "S3cret" not in repr(notes)


# -- one per-host state for the whole run -----------------------------------------------------------
def test_section_keeps_crawl_delay_and_robots_between_link_reading_and_fetching(servers):
    index = PAGE.format(t="Section").replace("</article>", '<a href="/s/a">a</a> <a href="/s/b">b</a></article>')
    site = servers({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nCrawl-delay: 1.5\n"),
                    "/s/": (200, {}, index), "/s/a": (200, {}, PAGE.format(t="A")),
                    "/s/b": (200, {}, PAGE.format(t="B"))})
    start = site.base + "/s/"
    # as the CLI does it: links read on one event loop with one harvester, pages fetched later on
    # another loop by a new harvester
    links = run_harvester(lambda w: w.section_links(start, CancelToken()))
    assert links == [site.base + "/s/a", site.base + "/s/b"]

    async def fetch_all(web):
        return await asyncio.gather(*(web.fetch_document(u, CancelToken()) for u in [start] + links))

    docs = run_harvester(fetch_all)
    assert len(docs) == 3
    times = sorted(t for t, p, _ in site.log if p != "/robots.txt")
    assert len(times) == 4  # the section page twice, then its two links
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 1.45, gaps
    assert len(site.hits("/robots.txt")) == 1


def test_request_riding_on_a_private_connection_it_did_not_open_gets_no_answer(servers):
    """One connection per pool (max_connections=1): a typed request opens one to a private address;
    an un-typed request to the same name at the same moment does not get to use it."""
    def slow(server, handler):
        time.sleep(0.3)
        return 200, {}, b"inside"

    site = servers({"/slow": slow})
    url = f"http://localhost:{site.port}/slow"

    async def go():
        async with net.make_async_client("web", max_connections=1) as client:
            async def typed():
                with net.person_named(url):
                    return await client.get(url)

            async def untyped():
                return await client.get(url)

            return await asyncio.gather(typed(), untyped(), return_exceptions=True)

    first, second = asyncio.run(go())
    assert first.status_code == 200 and first.text == "inside"
    assert isinstance(second, AddressRefused)
    assert len(site.log) == 1  # refused before it was sent: it never shared the typed request's connection


def _tls_server(tmp_path, name: str) -> tuple[Server, list[str], str]:
    """HTTPS on 127.0.0.1 with a certificate for `name` from a throwaway CA; records the SNI names."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Harvest test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = Server({"/page": (200, {}, b"secure")})
    sni: list[str] = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    ctx.sni_callback = lambda sock, server_name, _ctx: sni.append(server_name)
    server.httpd.socket = ctx.wrap_socket(server.httpd.socket, server_side=True)
    return server, sni, str(ca_path)


def test_tls_checks_the_name_while_connecting_to_the_checked_address(tmp_path, monkeypatch):
    server, sni, ca = _tls_server(tmp_path, "docs.harvest.test")
    monkeypatch.setenv("SSL_CERT_FILE", ca)  # trust the throwaway CA, as a person's own CA would be
    try:
        port = server.port
        policy = net.AddressPolicy(resolver=lambda h, p: ["127.0.0.1"])

        async def go():
            async with net.make_async_client("sync", policy=policy,
                                             allow_hosts=[f"docs.harvest.test:{port}",
                                                          f"mirror.harvest.test:{port}"]) as client:
                ok = await client.get(f"https://docs.harvest.test:{port}/page")
                with pytest.raises(httpx.ConnectError) as err:  # same address, a name the certificate lacks
                    await client.get(f"https://mirror.harvest.test:{port}/page")
                return ok, str(err.value)

        ok, failure = asyncio.run(go())
        assert ok.text == "secure" and "certificate" in failure.lower()
        assert sni[0] == "docs.harvest.test" and "mirror.harvest.test" in sni
        assert server.log[0][2]["host"] == f"docs.harvest.test:{port}"
    finally:
        server.stop()
