"""The network rules through the real `harvest` CLI process: logins never stored, shown, logged or
sent; "harvest add --section" keeps the site's Crawl-delay and robots.txt from reading the links
to fetching the pages. Servers on 127.0.0.1 only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures_net import PAGE, Server


def harvest(*args: str, home: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HARVEST_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "harvest_desktop.cli", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def site():
    index = PAGE.format(t="Bee section").replace(
        "</article>", '<a href="/s/scent">scent</a> <a href="/s/dance">dance</a></article>')
    s = Server({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nCrawl-delay: 2\n"),
                "/s/": (200, {}, index),
                "/s/scent": (200, {}, PAGE.format(t="Bees and scent")),
                "/s/dance": (200, {}, PAGE.format(t="Bees and the dance")),
                "/notes": (200, {}, PAGE.format(t="Private notes"))})
    yield s
    s.stop()


def test_login_in_a_url_is_dropped_everywhere(site, harvest_home):
    url = f"http://Alice:S3cret-pw@127.0.0.1:{site.port}/notes"
    added = harvest("add", url, home=harvest_home)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "dropped" in added.stdout and "keyring" in added.stdout  # the person is told
    listing = harvest("list", home=harvest_home)
    shown = harvest("show", "1", home=harvest_home)
    assert f"{site.base}/notes" in listing.stdout and "ready" in listing.stdout
    for out in (added.stdout, added.stderr, listing.stdout, shown.stdout):
        assert "S3cret" not in out and "Alice" not in out and "alice" not in out
    for path in harvest_home.rglob("*"):  # database, logs, caches
        if path.is_file():
            data = path.read_bytes()
            assert b"S3cret" not in data and b"s3cret" not in data, path
    assert [p for _, p, _ in site.log] == ["/robots.txt", "/notes"]
    for _, _, headers in site.log:
        assert "authorization" not in headers


def test_section_keeps_the_crawl_delay_from_links_to_pages(site, harvest_home):
    res = harvest("add", "--section", site.base + "/s/", home=harvest_home)
    assert res.returncode == 0, res.stdout + res.stderr
    pages = [(t, p) for t, p, _ in site.log if p != "/robots.txt"]
    assert sorted(p for _, p in pages) == ["/s/", "/s/", "/s/dance", "/s/scent"]  # links read, then 3 pages
    times = sorted(t for t, _ in pages)
    gaps = [round(b - a, 2) for a, b in zip(times, times[1:])]
    print(f"\n  --section under Crawl-delay 2: gaps between page requests {gaps} s")
    assert min(gaps) >= 2.0, gaps  # Crawl-delay: 2, also across reading links and fetching pages
    assert len(site.hits("/robots.txt")) == 1
