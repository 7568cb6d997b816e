"""Odd files mixed with 100 good ones through the real `harvest add`: time and peak memory.

Run: pytest tests/bench/bench_odd_files.py -s   (prints figures; asserts only that the batch
finishes, every good file is ready and every odd one is named on its own line)

The odd set: a symlink loop, a two-link loop, a folder link pointing back up, a FIFO, links to
/dev/zero and /dev/urandom, a dangling link, a name that is not UTF-8, a name with a newline and
tabs. Memory is sampled from /proc every 20 ms over the CLI process and all its children (the
parser workers); "peak tree RSS" is the largest sum seen, "peak CLI RSS" the main process's VmHWM.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures_acquire.make import write_mixed_corpus
from tests.unit.test_odd_files import make_odd_folder

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]
N_GOOD = 100


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _status(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_tree, self.peak_main = pid, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            todo, total = [self.pid], 0
            while todo:
                p = todo.pop()
                total += _status(p, "VmRSS")
                todo += _children(p)
            self.peak_tree = max(self.peak_tree, total)
            self.peak_main = max(self.peak_main, _status(self.pid, "VmHWM"))
            time.sleep(0.02)


def _run(folder: Path, home: Path, fast: bool) -> tuple[subprocess.CompletedProcess, float, TreeSampler]:
    env = {**os.environ, "HARVEST_HOME": str(home), "PYTHONPATH": str(ROOT)}
    if fast:
        cmd = [sys.executable, "-c", "import sys; from tests.fixtures_acquire import fast_index; "
               "fast_index.install(); from harvest_desktop.cli import main; sys.exit(main(sys.argv[1:]))"]
    else:
        cmd = [sys.executable, "-m", "harvest_desktop.cli"]
    started = time.perf_counter()
    proc = subprocess.Popen([*cmd, "add", str(folder)], env=env, cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate(timeout=1800)
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), elapsed, sampler


@pytest.mark.parametrize("embedder", ["hash embedder (no model)", "real MiniLM model"])
def test_odd_files_among_good_ones(tmp_path, embedder):
    folder = tmp_path / "batch"
    odd = make_odd_folder(folder)
    os.symlink("/dev/urandom", folder / "random.md")
    good = write_mixed_corpus(folder / "good", N_GOOD)
    result, elapsed, sampler = _run(folder, tmp_path / "home", fast=embedder.startswith("hash"))
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    ok_lines = [ln for ln in out.splitlines() if ln.startswith("ok:")]
    error_lines = [ln for ln in out.splitlines() if ln.startswith("error:")]
    named = {k: any(Path(str(p)).name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                    in ln for ln in error_lines)
             for k, p in odd.items() if k != "newline"}
    named["random.md"] = any("random.md" in ln for ln in error_lines)
    print(f"\nOdd files bench ({embedder}; 2 shared CPU cores, other engineers' jobs running): "
          f"{N_GOOD} good files + {len(named)} odd entries + 1 newline name")
    print(f"  exit code {result.returncode}; wall time {elapsed:.1f} s")
    print(f"  ok lines {len(ok_lines)} (expected {N_GOOD + 3}: 100 good, good.txt, good2.md, the newline name)")
    print(f"  error lines {len(error_lines)}; odd entries named: "
          + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in named.items()))
    print(f"  peak tree RSS (CLI + parser workers) {sampler.peak_tree / 2**20:.0f} MiB; "
          f"peak CLI RSS {sampler.peak_main / 2**20:.0f} MiB")
    assert "Traceback" not in err, err[-2000:]
    assert all(named.values()), out
    assert len(ok_lines) == N_GOOD + 3, out
    assert result.returncode == 1
    assert len(good) == N_GOOD
