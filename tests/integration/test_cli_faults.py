"""Every fault a person can hit, reproduced for real through the `harvest` CLI process.

Odd files, a filesystem that fills up, a read-only data folder, damaged libraries, invalid
settings, a second writer, a closed pipe, a real crash and unsafe export targets: each ends in
one line on stderr (exit 1) and loses nothing already stored. Commands that harvest run with the
hash embedder from tests/fixtures_acquire (no model load); everything else is the plain CLI.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.unit.test_odd_files import GOOD, make_odd_folder

ROOT = Path(__file__).resolve().parents[2]
MARKER = "ZEBRAFISHMARKER"  # a word only the documents hold: it must never show up in errors or logs
_FAST = ("import sys; sys.path.insert(0, {root!r}); from tests.fixtures_acquire import fast_index; "
         "fast_index.install(); from harvest_desktop.cli import main; sys.exit(main(sys.argv[1:]))")


def run_cli(*args, home: Path, fast: bool = False, timeout: float = 240, prefix: list[str] | None = None,
            env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARVEST_HOME": str(home), "PYTHONPATH": str(ROOT), **(env_extra or {})}
    cmd = [sys.executable, "-c", _FAST.format(root=str(ROOT))] if fast else [sys.executable, "-m",
                                                                            "harvest_desktop.cli"]
    return subprocess.run([*(prefix or []), *cmd, *map(str, args)], env=env, capture_output=True,
                          timeout=timeout, cwd=str(ROOT))


def text(result: subprocess.CompletedProcess) -> tuple[str, str]:
    return (result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"))


def assert_one_line_fault(result, *fragments: str) -> str:
    out, err = text(result)
    assert result.returncode == 1, (out, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = [ln for ln in err.splitlines() if ln.startswith("harvest:")]
    assert len(lines) == 1, err
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def good_docs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    words = ("cell membrane protein enzyme nucleus ribosome chloroplast mitochondria energy light "
             "water carbon oxygen glucose").split()
    out = []
    for i in range(n):
        body = " ".join(words[(i * 7 + k * 3) % len(words)] for k in range(400))
        p = folder / f"doc{i:03d}.txt"
        p.write_text(f"Document {i} about {MARKER} biology.\n\n{body}.\n")
        out.append(p)
    return out


def rows(home: Path, table: str = "source") -> int:
    conn = sqlite3.connect(home / "library.sqlite3")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


# -- odd files --------------------------------------------------------------------------------

def test_odd_folder_and_url_list_each_named_while_the_batch_goes_on(tmp_path, harvest_home):
    odd = make_odd_folder(tmp_path / "in")
    url_list = tmp_path / "shared.txt"
    url_list.write_text(f"file://{tmp_path / 'in' / 'good.txt'}\n{tmp_path / 'in'}\n"
                        "ftp://example.org/x\n# a comment\n")
    started = time.monotonic()
    result = run_cli("add", tmp_path / "in", "--urls-from", url_list, home=harvest_home, fast=True)
    elapsed = time.monotonic() - started
    out, err = text(result)
    assert result.returncode == 1, (out, err)
    assert "Traceback" not in err
    assert elapsed < 60  # no FIFO wait, no 60 s parse timeout, no /dev/zero read
    for name in ("loop.txt", "a.txt", "b.txt", "pipe.txt", "zero.txt", "gone.txt", "bad\\xff\\xfe.txt"):
        assert sum(name in ln and ln.startswith("error:") for ln in out.splitlines()) == 1, (name, out)
    for line in ("file://", str(tmp_path / "in") + ":", "ftp://example.org/x"):
        assert any(line in ln and "http" in ln for ln in out.splitlines() + err.splitlines()), (line, out, err)
    assert sum(ln.startswith("ok:") for ln in out.splitlines()) == 3, out

    listing = run_cli("list", home=harvest_home)
    lines = listing.stdout.decode().splitlines()
    assert len(lines) == 3  # the newline name did not forge a row
    for ln in lines:
        ident, name, status = ln.split("\t")
        assert ident.isdigit() and status.startswith("ready")
    assert any("evil\\n2\\tforged\\tready.txt" in ln for ln in lines)


def test_fifo_named_directly_is_skipped_at_once(tmp_path, harvest_home):
    fifo = tmp_path / "notes.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "z.txt"
    os.symlink("/dev/zero", zero)
    result = run_cli("add", fifo, zero, home=harvest_home, timeout=60)
    out, err = text(result)
    assert result.returncode == 1
    assert "named pipe" in out and "character device" in out
    assert "Traceback" not in err


# -- storage ------------------------------------------------------------------------------------

def _mount_small_fs(where: Path, size_kb: int) -> str | None:
    """A tmpfs of size_kb at where; returns None when this machine cannot mount one."""
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        return None
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
                       capture_output=True)
    return "tmpfs" if r.returncode == 0 else None


def test_disk_full_during_add_is_one_line_and_the_library_survives(tmp_path):
    mnt = tmp_path / "small"
    how = _mount_small_fs(mnt, 1500)
    docs = good_docs(tmp_path / "docs", 40)
    home = mnt / "home"
    try:
        if how is None:
            # No fallback is faked: without a real full filesystem this case is not reproduced.
            pytest.fail("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN)")
        result = run_cli("add", tmp_path / "docs", home=home, fast=True)
        out, err = text(result)
        line = assert_one_line_fault(result, "disk is full")
        assert "stay queued" in line or "free some space" in line
        assert MARKER not in out + err
        done = [ln for ln in out.splitlines() if ln.startswith("ok:")]
        # Space freed: the same command finishes the rest, every item ready exactly once.
        subprocess.run(["mount", "-o", "remount,size=200m", str(mnt)], check=True)
        again = run_cli("add", tmp_path / "docs", home=home, fast=True)
        assert again.returncode == 0, text(again)
        conn = sqlite3.connect(home / "library.sqlite3")
        statuses = conn.execute("SELECT status, count(*) FROM source GROUP BY status").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        assert dict(statuses) == {"ready": len(docs)}, statuses
        assert len(done) < len(docs)
        log = (home / "logs" / "harvest.log").read_text(errors="replace")
        assert MARKER not in log
    finally:
        if how:
            subprocess.run(["umount", "-l", str(mnt)])


def test_read_only_data_folder_reads_and_refuses_writes_in_one_line(tmp_path, harvest_home):
    docs = good_docs(tmp_path / "docs", 2)
    assert run_cli("add", *docs, home=harvest_home, fast=True).returncode == 0
    # Make the data folder read-only for real: a read-only bind mount (root ignores mode bits).
    r = subprocess.run(["mount", "--bind", "-o", "ro", str(harvest_home), str(harvest_home)], capture_output=True)
    if r.returncode != 0:
        pytest.fail(f"cannot bind-mount read-only here: {r.stderr!r}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(harvest_home)], check=True)
        assert subprocess.run(["touch", str(harvest_home / "probe")], capture_output=True).returncode != 0
        listing = run_cli("list", home=harvest_home)
        out, err = text(listing)
        assert listing.returncode == 0, err
        assert len(out.splitlines()) == 2 and "Traceback" not in err
        add = run_cli("add", tmp_path / "docs" / "doc000.txt", home=harvest_home)
        assert_one_line_fault(add, "read-only")
    finally:
        subprocess.run(["umount", str(harvest_home)])


def _small_library(home: Path, tmp_path: Path, n: int = 200) -> None:
    from tests.unit.test_storage_faults import filled_library

    home.mkdir(parents=True, exist_ok=True)
    filled_library(home / "library.sqlite3", n)


def test_truncated_library_says_damaged_where_and_repair_recovers(tmp_path, harvest_home):
    _small_library(harvest_home, tmp_path)
    db = harvest_home / "library.sqlite3"
    os.truncate(db, db.stat().st_size // 2)
    line = assert_one_line_fault(run_cli("list", home=harvest_home), "damaged", str(db), "harvest repair")
    assert "copy is kept" in line
    assert list(harvest_home.glob("library.sqlite3.damaged-*"))
    repaired = run_cli("repair", home=harvest_home)
    out, err = text(repaired)
    assert repaired.returncode == 0, err
    assert "recovered" in out
    listing = run_cli("list", home=harvest_home)
    assert listing.returncode == 0
    assert 0 < len(listing.stdout.decode().splitlines()) < 200


def test_overwritten_page_is_caught_by_every_command(tmp_path, harvest_home):
    _small_library(harvest_home, tmp_path)
    db = harvest_home / "library.sqlite3"
    with open(db, "r+b") as fh:
        fh.seek(4096 * 30)
        fh.write(os.urandom(4096))
    for args in (["list"], ["search", "document"], ["generate", "study-guide", "-o", tmp_path / "g.md"]):
        assert_one_line_fault(run_cli(*args, home=harvest_home), "damaged", str(db))
    assert not (tmp_path / "g.md").exists()
    assert run_cli("repair", home=harvest_home).returncode == 0
    assert len(run_cli("list", home=harvest_home).stdout.decode().splitlines()) >= 190


@pytest.mark.parametrize("content", ["[]", "null", '{"schema_version": "x"}',
                                     '{"limits": {"max_file_bytes": -10}}'])
def test_invalid_settings_file_gets_one_message_and_defaults(harvest_home, content):
    harvest_home.mkdir(parents=True, exist_ok=True)
    (harvest_home / "settings.json").write_text(content)
    result = run_cli("list", home=harvest_home)
    out, err = text(result)
    assert result.returncode == 0, err
    assert "Traceback" not in err
    assert len([ln for ln in err.splitlines() if "settings" in ln]) == 1, err
    assert list(harvest_home.glob("settings.json.invalid-*"))


def test_second_process_holding_the_write_lock(tmp_path, harvest_home):
    harvest_home.mkdir(parents=True, exist_ok=True)
    (harvest_home / "settings.json").write_text('{"schema_version": 2, "limits": {"lock_wait_s": 2}}')
    assert run_cli("list", home=harvest_home).returncode == 0  # creates the library
    assert run_cli("add", *good_docs(tmp_path / "d0", 1), home=harvest_home, fast=True).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, time\n"
         f"c = sqlite3.connect({str(harvest_home / 'library.sqlite3')!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE')\n"
         "c.execute(\"UPDATE source SET name = name\")\n"
         "print('locked', flush=True); time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = run_cli("add", *good_docs(tmp_path / "d1", 1), home=harvest_home, timeout=120)
        assert_one_line_fault(result, "another Harvest is writing")
        assert time.monotonic() - started < 60
        assert run_cli("list", home=harvest_home).returncode == 0  # reading is not blocked
    finally:
        holder.kill()
        holder.wait()
    assert rows(harvest_home) >= 1


def test_closed_pipe_ends_quietly(tmp_path, harvest_home):
    _small_library(harvest_home, tmp_path, 3000)
    env = {**os.environ, "HARVEST_HOME": str(harvest_home), "PYTHONPATH": str(ROOT)}
    plain = [sys.executable, "-m", "harvest_desktop.cli"]
    fast = [sys.executable, "-c", _FAST.format(root=str(ROOT))]  # 3000 chunks: hash vectors, no model
    for cmd, args in ((plain, ["list"]), (fast, ["search", "document"])):
        proc = subprocess.Popen([*cmd, *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT))
        proc.stdout.readline() if args == ["list"] else None
        proc.stdout.close()  # `| head`: the reader goes away
        err = proc.stderr.read().decode()
        proc.wait(timeout=240)
        assert "BrokenPipeError" not in err and "Traceback" not in err, err
        assert proc.returncode in (0, 1)


def test_a_real_crash_writes_a_crash_report_without_secrets_or_text(tmp_path, harvest_home):
    secret = "sk-" + "abcdefghijklmnopqrstuvwxyz0123"
    code = ("import sys\n"
            "from harvest_desktop.store import db\n"
            "def broken(self):\n"
            f"    raise ValueError('reader bug near {MARKER} ' * 40 + 'key={secret}')\n"
            "db.Database.read = broken\n"
            "from harvest_desktop.cli import main\n"
            "sys.exit(main(['list']))\n")
    env = {**os.environ, "HARVEST_HOME": str(harvest_home), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    out, err = text(result)
    assert result.returncode == 1
    line = [ln for ln in err.splitlines() if ln.startswith("harvest:")]
    assert len(line) == 1 and "crash report" in line[0] and "Traceback" not in err
    reports = list((harvest_home / "crashes").glob("crash-*.log"))
    assert len(reports) == 1
    body = reports[0].read_text()
    assert "ValueError" in body and secret not in body
    whole = f"reader bug near {MARKER} " * 8  # 300 characters of the message: more than is ever kept
    assert whole not in body  # the message is cut short (200 characters), never the whole text
    log = (harvest_home / "logs" / "harvest.log").read_text()
    assert secret not in log and whole not in log


# -- export --------------------------------------------------------------------------------------

def test_failed_exports_leave_no_row_no_file_and_never_follow_links(tmp_path, harvest_home):
    assert run_cli("add", *good_docs(tmp_path / "docs", 2), home=harvest_home, fast=True).returncode == 0
    link = tmp_path / "out.md"
    os.symlink("/dev/null", link)
    r1 = run_cli("generate", "study-guide", "-o", link, "--force", home=harvest_home, fast=True)
    assert_one_line_fault(r1, "link")
    assert os.path.islink(link) and os.readlink(link) == "/dev/null"
    missing = tmp_path / "no-such-folder" / "guide.md"
    r2 = run_cli("generate", "study-guide", "-o", missing, home=harvest_home, fast=True)
    assert_one_line_fault(r2, "does not exist")
    assert not missing.parent.exists()
    assert rows(harvest_home, "output") == 0
    ok = run_cli("generate", "study-guide", "-o", tmp_path / "guide.md", home=harvest_home, fast=True)
    assert ok.returncode == 0, text(ok)
    assert rows(harvest_home, "output") == 1
