"""The web harvester against a real HTTP server on 127.0.0.1: extraction, attribution, refusals, faults."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from harvest_desktop.acquire.web import USER_AGENT, WebHarvester
from harvest_desktop.core.cancel import CancelToken
from harvest_desktop.core.errors import (AddressRefused, BadInput, FetchError, LimitExceeded, RobotsRefused,
                                         UnsupportedFormat)
from harvest_desktop.core.settings import Settings
from tests.fixtures_acquire.server import start_site, start_tls_site, stop_site

ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = start_site(ROBOTS, tmp_path_factory.mktemp("site"))
    yield s
    stop_site(s)


def fast_settings(**limits) -> Settings:
    st = Settings()
    st.web.min_delay_per_host_s = 0.0
    st.limits.fetch_timeout_s = limits.pop("fetch_timeout_s", 5.0)
    for k, v in limits.items():
        setattr(st.limits, k, v)
    return st


def fetch(url: str, settings: Settings | None = None, **kw):
    async def go():
        web = WebHarvester(settings or fast_settings())
        web.retry_base_s = 0.05
        try:
            return await web.fetch_document(url, CancelToken(), **kw)
        finally:
            await web.aclose()

    return asyncio.run(go())


def test_article_main_text_and_attribution(site):
    doc = fetch(site.base + "/article.html")
    text = doc.text
    assert "waggle dance" in text and "pheromones" in text
    for boilerplate in ("Accept all cookies", "Shop merchandise", "All rights reserved", "About us"):
        assert boilerplate not in text
    kinds = {(b.kind, b.text) for b in doc.blocks}
    assert ("heading", "The waggle dance") in kinds
    assert ("list_item", "Direction is encoded by angle") in kinds
    item = next(b for b in doc.blocks if b.text == "Direction is encoded by angle")
    assert item.heading_path == ("How Bees Communicate", "The waggle dance")
    a = doc.attribution
    assert doc.title == "How Bees Communicate"
    assert a.location == site.base + "/article.html" and a.final_url == site.base + "/article.html"
    assert a.author == "Jordan Ellis"
    assert a.published.startswith("2024-02-29")
    assert a.license == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert a.site == "Pollinator Weekly"
    assert a.fetched_at and a.fetched_at.endswith("+00:00")
    assert a.mime == "text/html"
    uas = {ua for _, p, ua in site.log if p in ("/article.html", "/robots.txt")}
    assert uas == {USER_AGENT} and "Harvest" in USER_AGENT


def test_redirect_records_final_url(site):
    doc = fetch(site.base + "/redirect")
    assert doc.attribution.location == site.base + "/redirect"
    assert doc.attribution.final_url == site.base + "/article.html"
    assert "waggle dance" in doc.text


def test_robots_disallowed_is_refused_with_message(site):
    with pytest.raises(RobotsRefused) as err:
        fetch(site.base + "/private/secret.html")
    assert "robots.txt" in str(err.value) and "/private/secret.html" in str(err.value)
    assert not site.hits("/private/secret.html")


def test_pdf_and_plain_text_go_to_their_readers(site):
    pdf = fetch(site.base + "/paper.pdf")
    assert pdf.pages == 2 and pdf.blocks[0].page == 1 and "Mitochondria" in pdf.text
    assert pdf.attribution.mime == "application/pdf" and pdf.attribution.final_url.endswith("/paper.pdf")
    txt = fetch(site.base + "/notes.txt")
    assert "Pollen sticks to bees." in txt.text and txt.attribution.mime == "text/plain"


@pytest.mark.parametrize("path, error, words", [
    ("/missing", FetchError, "HTTP 404"),
    ("/gone", FetchError, "HTTP 410"),
    ("/always503", FetchError, "HTTP 503"),
    ("/toomany", FetchError, "HTTP 429"),
    ("/wait-long", FetchError, "max retry wait"),
    ("/loop-a", FetchError, "loop"),
    ("/image.png", UnsupportedFormat, "image/png"),
    ("/to-metadata", AddressRefused, "metadata"),
    ("/to-ftp", BadInput, "only http and https"),
])
def test_url_faults_name_the_url(site, path, error, words):
    with pytest.raises(error) as err:
        fetch(site.base + path)
    assert words in str(err.value)
    assert site.base + path in str(err.value)


def test_retries_honour_retry_after(site):
    doc = fetch(site.base + "/flaky")
    assert "It worked on retry." in doc.text
    first, second = site.hits("/flaky")[:2]
    assert second - first >= 0.9  # Retry-After: 1
    assert len(site.hits("/always503")) in (0, 4)  # 1 try + 3 retries when it was requested


def test_timeouts_and_size_cap(site):
    with pytest.raises(FetchError) as err:
        fetch(site.base + "/slow", fast_settings(fetch_timeout_s=0.5))
    assert "fetch timeout" in str(err.value)
    with pytest.raises(FetchError) as err:
        fetch(site.base + "/trickle", fast_settings(fetch_timeout_s=1.0))
    assert "fetch timeout" in str(err.value)
    with pytest.raises(LimitExceeded) as err:
        fetch(site.base + "/huge", fast_settings(max_download_bytes=1024 * 1024))
    assert "max download bytes" in str(err.value)
    with pytest.raises(LimitExceeded) as err:
        fetch(site.base + "/article.html", fast_settings(max_redirects=5, max_download_bytes=1000))
    assert "max download bytes" in str(err.value)


def test_deep_html_fails_cleanly(site):
    with pytest.raises(BadInput):
        fetch(site.base + "/deep.html")


def test_connection_refused_dns_and_tls(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError) as err:
        fetch(f"http://127.0.0.1:{port}/page")
    assert "refused" in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
    with pytest.raises(FetchError) as err:
        fetch("http://no-such-host.invalid/page")
    assert "could not be found" in str(err.value)
    server, base = start_tls_site(tmp_path)
    try:
        with pytest.raises(FetchError) as err:
            fetch(base + "/article.html")
        assert "certificate" in str(err.value)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[::ffff:169.254.169.254]/",
    "http://100.100.100.200/latest/meta-data/",
])
def test_metadata_addresses_always_refused(url):
    st = fast_settings()
    st.web.allow_private_addresses = True
    with pytest.raises(AddressRefused) as err:
        fetch(url, st, user_given=True)
    assert "metadata" in str(err.value)


def test_private_addresses_need_consent(site):
    with pytest.raises(AddressRefused) as err:
        fetch(site.base + "/article.html", user_given=False)
    assert "127.0.0.1" in str(err.value)
    st = fast_settings()
    st.web.allow_private_addresses = False
    with pytest.raises(AddressRefused):
        fetch(site.base + "/article.html", st, user_given=True)
    for url in ("http://10.1.2.3/", "http://192.168.0.1/", "http://169.254.10.10/", "http://[::1]/"):
        with pytest.raises(AddressRefused):
            fetch(url, user_given=False)


def test_only_http_and_https():
    for url in ("ftp://example.org/x", "file:///etc/passwd", "gopher://x/"):
        with pytest.raises(BadInput):
            fetch(url)


def test_section_follows_same_site_links_under_robots(site):
    async def go():
        web = WebHarvester(fast_settings())
        try:
            return await web.harvest_section(site.base + "/article.html", CancelToken())
        finally:
            await web.aclose()

    results = dict(asyncio.run(go()))
    assert "http://example.invalid/elsewhere" not in results  # other sites are not followed
    assert "rely on dance" in results[site.base + "/section/dance.html"].text
    assert "rely on scent" in results[site.base + "/section/scent.html"].text
    assert isinstance(results[site.base + "/private/secret.html"], RobotsRefused)
    assert "Shop" not in results[site.base + "/section/dance.html"].text


def test_crawl_delay_and_rate_limit_are_honoured(tmp_path):
    polite = start_site("User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n", tmp_path)
    try:
        async def go():
            web = WebHarvester(fast_settings())
            try:
                return await asyncio.gather(*(web.fetch_document(polite.base + p, CancelToken())
                                              for p in ("/section/a.html", "/section/b.html", "/section/c.html")))
            finally:
                await web.aclose()

        docs = asyncio.run(go())
        assert len(docs) == 3
        times = sorted(t for t, p, _ in polite.log if p.startswith("/section/"))
        assert all(b - a >= 0.95 for a, b in zip(times, times[1:]))
        assert polite.counters["/robots.txt"] == 1
    finally:
        stop_site(polite)


def test_robots_server_error_refuses_the_site(tmp_path):
    broken = start_site("500", tmp_path)
    try:
        with pytest.raises(RobotsRefused) as err:
            fetch(broken.base + "/article.html")
        assert "HTTP 500" in str(err.value)
    finally:
        stop_site(broken)


def test_no_robots_file_means_allowed(tmp_path):
    open_site = start_site("", tmp_path)
    try:
        assert "waggle" in fetch(open_site.base + "/article.html").text
    finally:
        stop_site(open_site)


def test_cancel_stops_a_wait(site):
    async def go():
        st = fast_settings()
        st.web.min_delay_per_host_s = 30.0
        web = WebHarvester(st)
        cancel = CancelToken()
        try:
            await web.fetch_document(site.base + "/section/one.html", cancel)
            task = asyncio.ensure_future(web.fetch_document(site.base + "/section/two.html", cancel))
            await asyncio.sleep(0.3)
            cancel.cancel()
            return await asyncio.wait_for(task, 5)
        finally:
            await web.aclose()

    from harvest_desktop.core.errors import Cancelled

    with pytest.raises(Cancelled):
        asyncio.run(go())
