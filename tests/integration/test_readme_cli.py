"""Every `harvest` example in the README, run in order through the real CLI process.

The files the examples name are made here; the example URL is served by a server on 127.0.0.1
(the only address these tests reach). A line someone adds to the README is run too, and must work.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures_net import PAGE, Server
from tests.samples import PHOTOSYNTHESIS_MD, write_markdown, write_pdf

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_HOST = "https://example.org"


def readme_examples() -> list[list[str]]:
    """The argument lists of the README's `harvest ...` example lines (comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    lines = [ln.strip() for ln in section.splitlines() if re.match(r"    harvest\s", ln)]
    return [shlex.split(ln, comments=True)[1:] for ln in lines]


def run(args, cwd: Path, home: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HARVEST_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "harvest_desktop.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def site():
    s = Server({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"),
                "/article": (200, {}, PAGE.format(t="Bees and flowers")),
                "/reading/one": (200, {}, PAGE.format(t="Honey bees in winter")),
                "/reading/two": (200, {}, PAGE.format(t="Bumblebees and tomatoes"))})
    yield s
    s.stop()


@pytest.fixture
def workdir(tmp_path, site):
    """The files the README's examples name, in the folder they run in."""
    work = tmp_path / "work"
    (work / "papers").mkdir(parents=True)
    write_markdown(work / "notes.md", PHOTOSYNTHESIS_MD)
    write_pdf(work / "lecture.pdf")  # volcanoes, 4 pages
    write_pdf(work / "papers" / "paper1.pdf", [("Glaciers", "A glacier is a persistent body of dense ice "
                                                "that moves under its own weight. Glaciers carve valleys.")])
    write_markdown(work / "papers" / "paper2.md", "# Tides\n\nA tide is the rise and fall of sea levels "
                   "caused by the gravity of the Moon and the Sun.\n")
    (work / "reading-list.txt").write_text(f"# bees, for the talk\n{site.base}/reading/one\n\n"
                                           f"{site.base}/reading/two\n", encoding="utf-8")
    return work


def _check(args: list[str], res: subprocess.CompletedProcess, work: Path, site: Server) -> None:
    """What each example must do, beyond exiting 0."""
    out = res.stdout
    if args[:1] == ["add"] and "--urls-from" in args:
        assert out.count("ok: ") == 2 and "/reading/one" in out and "/reading/two" in out
        assert sorted(p for _, p, _ in site.log if p.startswith("/reading")) == ["/reading/one", "/reading/two"]
    elif args[:1] == ["add"] and "--type" in args:
        assert "paper1.pdf" in out and "paper2.md" not in out  # only the PDFs of the folder
    elif args[:1] == ["add"]:
        assert out.count("ok: ") == 5, out  # notes, lecture, two papers, the page
        assert f"{site.base}/article" in out
    elif args == ["resume"]:  # nothing was cancelled in this walk through the README
        assert out.strip() == "nothing to resume: no item is cancelled or unfinished"
    elif args == ["list"]:
        for name in ("notes.md", "lecture.pdf", "paper1.pdf", "paper2.md", f"{site.base}/article"):
            assert name in out
        assert "failed" not in out
    elif args[:1] == ["show"]:
        assert "name: lecture.pdf" in out and "pages: 4" in out and "Seismometers" in out
    elif args[:1] == ["generate"]:
        target = work / args[args.index("-o") + 1]
        assert target.is_file() and str(target.name) in out
        if target.suffix == ".pdf":
            assert target.read_bytes().startswith(b"%PDF")
        assert "grounding: " in out  # the validator's score for what was written
        if "--source" in args:  # source 2 is lecture.pdf: volcanoes only
            body = target.read_text(encoding="utf-8").lower()
            assert "volcano" in body and "photosynthesis" not in body
    elif args == ["outputs"]:
        assert re.search(r"^#1\tstudy-guide\t", out, re.M) and ".apkg" in out  # the quiz can be a deck
    elif args[:1] == ["versions"]:
        assert re.match(r"1\t.*\tmade\t.*\(current\)$", out.strip()), out  # never changed: one version
    elif args[:1] == ["export"]:
        target = work / args[args.index("-o") + 1]
        assert target.read_bytes()[:2] == b"PK" and str(target.name) in out  # a .docx is a zip
    elif args[:1] == ["ask"]:
        assert out.startswith("- A chloroplast is an organelle") and "[Photosynthesis" in out  # notes.md, cited
    elif args[:1] == ["concepts"] and "--map" in args:
        svg = work / args[args.index("--map") + 1]
        assert "<svg" in svg.read_text(encoding="utf-8")
    elif args[:1] == ["concepts"]:
        numbered = [ln for ln in out.splitlines() if re.match(r"\d+\. ", ln)]
        assert 0 < len(numbered) <= int(args[args.index("--limit") + 1])
    elif args[:1] == ["search"]:
        hits = [ln for ln in out.splitlines() if re.match(r"\d+\. \[", ln)]
        assert 0 < len(hits) <= int(args[args.index("--limit") + 1])
        assert "notes.md" in hits[0]  # plants and energy: the photosynthesis notes
    elif args[:1] == ["remove"]:
        assert out.strip() == "removed #3 paper1.pdf"
    elif args == ["formats"]:
        assert "study-guide" in out
    elif args == ["--version"]:
        assert re.fullmatch(r"harvest \d+\.\d+\.\d+\S*", out.strip())


def test_the_readme_lists_every_command_the_issue_names():
    examples = [" ".join(a) for a in readme_examples()]
    for needle in ("add papers/ --type pdf", "add --urls-from", "list", "show ", "remove ", "--engine builtin",
                   "--source 2", "concepts --limit", "concepts --map", "search ", "--limit 5", "formats",
                   "--version"):
        assert any(needle in e for e in examples), f"no README example with {needle!r}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`130` cancelled", readme)


def test_every_readme_example_works_through_the_real_cli(workdir, site, harvest_home):
    for args in readme_examples():
        args = [a.replace(EXAMPLE_HOST, site.base) for a in args]
        res = run(args, workdir, harvest_home)
        assert res.returncode == 0, f"harvest {' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        _check(args, res, workdir, site)
    assert (harvest_home / "library.sqlite3").exists()
    listing = run(["list"], workdir, harvest_home).stdout
    assert "paper1.pdf" not in listing  # removed by the example


def test_add_with_nothing_to_add_is_a_usage_error(tmp_path, harvest_home):
    (tmp_path / "empty.txt").write_text("# nothing yet\n")
    res = run(["add", "--urls-from", "empty.txt"], tmp_path, harvest_home)
    assert res.returncode == 2 and "nothing to add" in res.stderr


def test_ctrl_c_cancels_with_exit_130_and_keeps_the_item_queued(tmp_path, harvest_home):
    release = threading.Event()

    def stall(_server, _handler):
        release.wait(60)  # a page that takes its time: the harvest is in flight when Ctrl+C comes
        return 200, {}, PAGE.format(t="Slow page")

    s = Server({"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"),
                "/slow": stall})
    try:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["HARVEST_HOME"] = str(harvest_home)
        proc = subprocess.Popen([sys.executable, "-m", "harvest_desktop.cli", "add", f"{s.base}/slow"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not s.hits("/slow") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert s.hits("/slow"), "the page was never requested"
        proc.send_signal(signal.SIGINT)  # one Ctrl+C
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130, out + err
        assert "cancel" in err and "Traceback" not in err
    finally:
        release.set()
        s.stop()
    listing = run(["list"], tmp_path, harvest_home).stdout
    assert "/slow" in listing and "queued" in listing  # resumes on the next `harvest add`
