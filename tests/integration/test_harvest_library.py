"""Harvesting through the library: a mixed batch with hostile files, URLs with attribution, crash resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harvest_desktop.store import models as m
from tests.fixtures_acquire import fast_index
from tests.fixtures_acquire.make import write_all_formats, write_hostile, write_mixed_corpus
from tests.fixtures_acquire.server import start_site, stop_site

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_embedder(monkeypatch):
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "embed_texts", fast_index.fake_embed_texts)


def test_mixed_batch_with_hostile_files_never_stops(library, tmp_path):
    write_all_formats(tmp_path / "drop" / "good")
    hostile = write_hostile(tmp_path / "drop" / "bad")
    library.settings.limits.parse_timeout_s = 30
    queued, problems = library.enqueue([tmp_path / "drop"])
    assert problems == []
    results = library.harvest_sync()
    assert len(results) == len(queued)
    by_name = {Path(r.location).name: r for r in results}
    for name in hostile:
        if name == "latin1.md":
            continue
        assert not by_name[name].ok and by_name[name].message, name
    for name in ("cells.pdf", "enzymes.docx", "tectonics.pptx", "tea.epub", "volcanoes.odt", "glaciers.rtf",
                 "elements.csv", "bees.html", "rivers.md", "utf8.txt", "utf16.txt", "cp1252.txt", "latin1.md"):
        assert by_name[name].ok, (name, by_name[name].message)
    sources = {s.name: s for s in library.sources()}
    assert all(s.status in (m.READY, m.FAILED, m.DUPLICATE) for s in sources.values())
    assert sources["bomb.docx"].status == m.FAILED and "max zip ratio" in sources["bomb.docx"].error
    assert "max characters" in sources["long_line.txt"].error
    tea = sources["tea.epub"]
    assert (tea.author, tea.license, tea.mime) == ("Mei Chen", "CC BY 4.0", "application/epub+zip")
    chunks = library.chunks([sources["enzymes.docx"].id])
    assert any(c.heading_path.startswith("Enzymes") for c in chunks)
    assert library.db.integrity_check() == "ok"


def test_urls_keep_attribution_in_the_library(library, tmp_path):
    site = start_site("User-agent: *\nDisallow: /private/\n", tmp_path)
    try:
        library.settings.web.min_delay_per_host_s = 0.0
        library.enqueue([site.base + "/article.html", site.base + "/redirect", site.base + "/private/x.html",
                         site.base + "/missing"])
        results = library.harvest_sync()
        by_loc = {r.location: r for r in results}
        assert by_loc[site.base + "/article.html"].ok
        assert not by_loc[site.base + "/private/x.html"].ok and "robots.txt" in by_loc[site.base + "/private/x.html"].message
        assert "HTTP 404" in by_loc[site.base + "/missing"].message
        art = library.find_source(site.base + "/article.html")
        assert (art.author, art.site) == ("Jordan Ellis", "Pollinator Weekly")
        assert art.license == "https://creativecommons.org/licenses/by-sa/4.0/"
        assert art.published.startswith("2024-02-29") and art.fetched_at and art.mime == "text/html"
        redirected = library.find_source(site.base + "/redirect")
        assert redirected.final_url == site.base + "/article.html"
        # Same page through a redirect, in the same batch: when the extracted text is the same,
        # it is stored once and the other is marked a duplicate.
        if redirected.content_hash == art.content_hash:
            assert {redirected.status, art.status} == {m.DUPLICATE, m.READY}
    finally:
        stop_site(site)


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from tests.fixtures_acquire import fast_index
    fast_index.install()
    from harvest_desktop.library import Library
    lib = Library()
    lib.settings.limits.parse_workers = 2
    lib.enqueue([{folder!r}])
    def on_item(src):
        print(src.status, src.name, flush=True)
    lib.harvest_sync(on_item=on_item)
    print("FINISHED", flush=True)
""")


def test_resume_after_a_crash_mid_batch(tmp_path, harvest_home):
    folder = tmp_path / "batch"
    write_mixed_corpus(folder, 80)
    write_hostile(folder / "hostile")
    env = dict(os.environ, HARVEST_HOME=str(harvest_home))
    script = CHILD.format(repo=str(REPO), folder=str(folder))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True, start_new_session=True)
    done = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(("ready", "failed", "duplicate")):
                done += 1
            if done >= 15:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its parser workers, mid-batch
        proc.wait(timeout=30)
    assert done >= 15, proc.stderr.read() if proc.stderr else ""

    from harvest_desktop.library import Library

    lib = Library()
    try:
        assert lib.db.integrity_check() == "ok"
        left = lib.pending()
        statuses = {s.status for s in left}
        assert left and statuses <= {m.QUEUED, m.HARVESTING}
        total = len(lib.sources())
        results = lib.harvest_sync()
        assert len(results) == len(left)
        final = lib.sources()
        assert len(final) == total
        for s in final:
            assert s.status in (m.READY, m.FAILED, m.DUPLICATE), (s.name, s.status)
            if s.status == m.FAILED:
                assert s.error, s.name
        assert sum(s.status == m.READY for s in final) >= 80
        assert lib.db.integrity_check() == "ok"
        assert lib.pending() == []
    finally:
        lib.close()


def test_harvest_this_section_through_the_cli(tmp_path, harvest_home):
    """`harvest add URL --section`: the page and its same-site links, each through the queue."""
    site = start_site("User-agent: *\nDisallow: /private/\nCrawl-delay: 0\n", tmp_path)
    try:
        env = {**os.environ, "HARVEST_HOME": str(harvest_home)}
        res = subprocess.run([sys.executable, "-m", "harvest_desktop.cli", "add", "--section",
                              site.base + "/article.html"], env=env, capture_output=True, text=True, timeout=300)
        lines = res.stdout.splitlines()
        assert any(ln.startswith("ok: ") and ln.split(": ")[1].endswith("/section/dance.html") for ln in lines), res.stdout
        assert any(ln.startswith("ok: ") and "/section/scent.html" in ln for ln in lines), res.stdout
        assert any(ln.startswith("error: ") and "/private/secret.html" in ln and "robots.txt" in ln for ln in lines)
        assert not any("example.invalid" in ln for ln in lines)  # other sites are not followed
        assert res.returncode == 1  # the robots refusal is a failed item; the rest were done
    finally:
        stop_site(site)
