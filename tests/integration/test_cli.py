"""The `harvest` CLI contract, run as a real subprocess against a real HARVEST_HOME."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.samples import pdf_text, write_markdown, write_pdf


def harvest(*args: str, home: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARVEST_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "harvest_desktop.cli", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_add_list_show_generate_round_trip(tmp_path, harvest_home):
    md = write_markdown(tmp_path / "photosynthesis.md")
    pdf = write_pdf(tmp_path / "volcanoes.pdf")
    res = harvest("add", md, pdf, home=harvest_home)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 2 and all(ln.startswith("ok: ") for ln in lines)
    assert (harvest_home / "library.sqlite3").exists()

    listing = harvest("list", home=harvest_home)
    assert listing.returncode == 0
    rows = [ln.split("\t") for ln in listing.stdout.splitlines()]
    assert [(r[0], r[1], r[2].split()[0]) for r in rows] == [("1", "photosynthesis.md", "ready"),
                                                            ("2", "volcanoes.pdf", "ready")]

    shown = harvest("show", "volcanoes.pdf", home=harvest_home)
    assert shown.returncode == 0
    assert "location: " + str(pdf.resolve()) in shown.stdout and "--- page 4 ---" in shown.stdout
    assert "Seismometers record" in shown.stdout
    assert "Chloroplasts" in harvest("show", "1", home=harvest_home).stdout

    out = tmp_path / "guide.pdf"
    gen = harvest("generate", "study-guide", "-o", out, home=harvest_home)
    assert gen.returncode == 0, gen.stderr
    text = pdf_text(out)
    assert "Key concepts" in text and "volcano" in text.lower() and "chlorophyll" in text.lower()
    md_out = tmp_path / "guide.md"
    assert harvest("generate", "study-guide", "-o", md_out, "--engine", "builtin", home=harvest_home).returncode == 0
    assert md_out.read_text(encoding="utf-8").startswith("# Study guide")


def test_exit_codes(tmp_path, harvest_home):
    good = write_markdown(tmp_path / "good.md")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(os.urandom(2048))
    res = harvest("add", good, bad, home=harvest_home)
    assert res.returncode == 1
    assert any(ln.startswith("error: ") and "bad.pdf" in ln for ln in res.stdout.splitlines())
    assert any(ln.startswith("ok: ") and "good.md" in ln for ln in res.stdout.splitlines())
    assert harvest("frobnicate", home=harvest_home).returncode == 2
    assert harvest("generate", "study-guide", home=harvest_home).returncode == 2  # -o is required
    assert harvest("generate", "study-guide", "-o", tmp_path / "x.weird", home=harvest_home).returncode == 2
    missing = harvest("show", "nothing-like-this", home=harvest_home)
    assert missing.returncode == 1 and "harvest list" in missing.stderr
    target = tmp_path / "keep.md"
    target.write_text("mine")
    clash = harvest("generate", "study-guide", "-o", target, home=harvest_home)
    assert clash.returncode == 1 and "already exists" in clash.stderr and target.read_text() == "mine"
    assert harvest("generate", "study-guide", "-o", target, "--force", home=harvest_home).returncode == 0


def test_harvest_home_is_honoured(tmp_path):
    a, b = tmp_path / "home-a", tmp_path / "home-b"
    md = write_markdown(tmp_path / "x.md")
    assert harvest("add", md, home=a).returncode == 0
    assert "x.md" in harvest("list", home=a).stdout
    assert "empty" in harvest("list", home=b).stdout
    assert sorted(p.name for p in b.iterdir()) and all(p.is_relative_to(b) for p in b.rglob("*"))


def test_killed_mid_harvest_loses_nothing_done_and_db_stays_sound(tmp_path, harvest_home):
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(60):
        write_pdf(folder / f"doc{i:02}.pdf", [(f"Topic {i}", f"Document number {i} talks about subject {i} "
                                               "and its many properties. " * 30)], repeat=3)
    env = {**os.environ, "HARVEST_HOME": str(harvest_home)}
    proc = subprocess.Popen([sys.executable, "-m", "harvest_desktop.cli", "add", str(folder)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = harvest_home / "library.sqlite3"
    deadline = time.time() + 120
    ready = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                ready = conn.execute("SELECT count(*) FROM source WHERE status='ready'").fetchone()[0]
                conn.close()
            except sqlite3.Error:
                continue
            if ready >= 3:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert ready >= 3, "the batch did not get going"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = dict(conn.execute("SELECT status, count(*) FROM source GROUP BY status").fetchall())
    conn.close()
    assert statuses.get("ready", 0) >= ready
    # Running again finishes the rest; what was done stays done.
    res = harvest("add", folder, home=harvest_home)
    assert res.returncode == 0, res.stdout + res.stderr
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT status, count(*) FROM source GROUP BY status").fetchall())
    conn.close()
    assert statuses == {"ready": 60}
