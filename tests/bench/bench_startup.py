"""Launch to a visible window on a virtual screen (Xvfb): Harvest against a bare PySide6 window.

Run: .venv/bin/python tests/bench/bench_startup.py [runs]        (default 7 runs of each)
     .venv/bin/python tests/bench/bench_startup.py --instructions  (one run of each under valgrind)

One Xvfb server is started for the whole run (Xvfb must be installed: `bootstrap.py test` installs
it). The two programs are launched alternately, each as a fresh process with QT_QPA_PLATFORM=xcb:
- Harvest: `python -m harvest_desktop` with a fresh HARVEST_HOME (an empty library), no welcome
  dialog, no warm-up; HARVEST_STARTUP_PROBE=<launch time> makes it print the seconds since launch
  at the main window's first paint (its frame: title, menus, status line), at "ready" (the panes,
  built after the first paint, are there and work) and when the opened library is shown in them,
  with the longest time the window went without handling its events in between; then it quits.
- bare: `python -c` that imports PySide6, shows an empty QMainWindow of the same size and prints
  the seconds since launch at its first paint.
"Visible" is Qt's own signal: on X11 a widget gets its first Paint event only after the server has
mapped the window and sent Expose, so first paint = launch -> mapped and painted. The launcher's
clock (time.time() just before the launch) is passed in the environment, so the figure includes
the interpreter's start and every import. The bench prints each run, the medians and their ratio,
and the median time of each of Harvest's start-up steps (HARVEST_PHASES_MS, from __main__.py).

Both also print the CPU seconds their process used up to the first paint (time.process_time(), all
threads): on a machine shared with other jobs the wall figures swing with the load, the CPU figures
much less, so both medians and ratios are printed with the load average before and after the run.

Bytecode: an installed Harvest (pip or the bundle) runs from compiled .pyc files, as the PySide6 in
the bare program does. An environment with PYTHONDONTWRITEBYTECODE set would make Harvest compile
its own modules from source at every launch, which no user sees; so both programs run with one
fresh PYTHONPYCACHEPREFIX for the whole run (written by the unmeasured first launch of each) and
without PYTHONDONTWRITEBYTECODE. Same environment for both.

--instructions: each program once under valgrind's callgrind, counting the instructions its main
thread executed from the interpreter's start to the first paint (Harvest exits right there:
HARVEST_STARTUP_PROBE_EXIT=1). A count does not change with the machine's load, so it compares
two versions where the timings above cannot; it leaves out the other threads (Qt's X connection
thread, the loop's helpers), whose counts depend on how long the run takes under valgrind.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
launched = float(os.environ["HARVEST_STARTUP_PROBE"])
app = QApplication(sys.argv)
win = QMainWindow()
win.setWindowTitle("bare")
win.resize(1100, 720)
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"HARVEST_FIRST_PAINT_S={time.time() - launched:.4f}", flush=True)
            print(f"HARVEST_FIRST_PAINT_CPU_S={time.process_time():.4f}", flush=True)
            if os.environ.get("HARVEST_STARTUP_PROBE_EXIT") == "1":
                os._exit(0)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False
probe = FirstPaint()
win.installEventFilter(probe)
win.show()
app.exec()
"""


def start_xvfb() -> tuple[subprocess.Popen, str]:
    if not shutil.which("Xvfb"):
        raise SystemExit("Xvfb is not installed (python3 bootstrap.py test installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        raise SystemExit("Xvfb did not start")
    return proc, f":{number}"


def one_run(display: str, bare: bool, pycache: str) -> tuple[float, float, dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="harvest-bench-") as home:
        env = {k: v for k, v in os.environ.items()
               if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "PYTHONDONTWRITEBYTECODE")}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", HARVEST_HOME=home, HARVEST_NO_WELCOME="1",
                   HARVEST_NO_WARMUP="1", PYTHONPYCACHEPREFIX=pycache)
        cmd = [sys.executable, "-c", BARE] if bare else [sys.executable, "-m", "harvest_desktop"]
        env["HARVEST_STARTUP_PROBE"] = repr(time.time())
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if line.startswith("HARVEST_"))
    if proc.returncode != 0 or "HARVEST_FIRST_PAINT_S" not in values:
        raise SystemExit(f"{'bare window' if bare else 'Harvest'} did not report its first paint "
                         f"(exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(values["HARVEST_FIRST_PAINT_S"]), float(values.get("HARVEST_FIRST_PAINT_CPU_S", "nan")), values


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def instructions(display: str, bare: bool, pycache: str) -> int:
    """Main-thread instructions to the first paint, by callgrind (see the module docstring)."""
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed")
    with tempfile.TemporaryDirectory(prefix="harvest-bench-cg-") as out, \
            tempfile.TemporaryDirectory(prefix="harvest-bench-") as home:
        env = {k: v for k, v in os.environ.items()
               if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "PYTHONDONTWRITEBYTECODE")}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", HARVEST_HOME=home, HARVEST_NO_WELCOME="1",
                   HARVEST_NO_WARMUP="1", PYTHONPYCACHEPREFIX=pycache, HARVEST_STARTUP_PROBE_EXIT="1",
                   HARVEST_STARTUP_PROBE=repr(time.time()))
        program = ["-c", BARE] if bare else ["-m", "harvest_desktop"]
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes",
                               f"--callgrind-out-file={out}/cg.%p", sys.executable, *program],
                              env=env, capture_output=True, text=True, timeout=1200)
        if "HARVEST_FIRST_PAINT_S" not in proc.stdout:
            raise SystemExit(f"no first paint under valgrind (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        # One file per process and thread: cg.PID-01 is a process's main thread. A process the
        # program forks (a helper Qt starts) has its own; the program is the one that ran longest.
        counts = []
        for f in Path(out).glob("cg.*-01"):
            for line in f.read_text(errors="replace").splitlines():
                if line.startswith(("totals:", "summary:")):
                    counts.append(int(line.split()[1]))
                    break
        if not counts:
            raise SystemExit("callgrind wrote no main-thread totals")
        return max(counts)


def main_instructions() -> None:
    xvfb, display = start_xvfb()
    pycache = tempfile.mkdtemp(prefix="harvest-bench-pyc-")
    try:
        one_run(display, True, pycache)  # bytecode written, as for the timed runs
        one_run(display, False, pycache)
        bare = instructions(display, True, pycache)
        harvest = instructions(display, False, pycache)
    finally:
        xvfb.kill()
        xvfb.wait()
        shutil.rmtree(pycache, ignore_errors=True)
    print(f"instructions to the first paint (main thread, callgrind): Harvest {harvest / 1e6:,.0f} M, "
          f"bare PySide6 window {bare / 1e6:,.0f} M, ratio {harvest / bare:.2f}x (goal 1.5x)")


def main(runs: int = 7) -> float:
    xvfb, display = start_xvfb()
    load_before = _load()
    pycache = tempfile.mkdtemp(prefix="harvest-bench-pyc-")
    try:
        one_run(display, True, pycache)  # one unmeasured launch of each: file cache warm, bytecode written
        one_run(display, False, pycache)
        harvest, bare, harvest_cpu, bare_cpu = [], [], [], []
        ready, library, stall = [], [], []
        phases: dict[str, list[float]] = {}
        cpu_phases: dict[str, list[float]] = {}
        for i in range(runs):
            b, bc, _ = one_run(display, True, pycache)
            h, hc, values = one_run(display, False, pycache)
            bare.append(b)
            harvest.append(h)
            bare_cpu.append(bc)
            harvest_cpu.append(hc)
            ready.append(float(values.get("HARVEST_READY_S", "nan")))
            library.append(float(values.get("HARVEST_LIBRARY_S", "nan")))
            stall.append(float(values.get("HARVEST_LONGEST_STALL_MS", "nan")))
            for key, into in (("HARVEST_PHASES_MS", phases), ("HARVEST_PHASES_CPU_MS", cpu_phases)):
                for step in filter(None, values.get(key, "").split("; ")):
                    name, _, ms = step.rpartition(" ")
                    into.setdefault(name, []).append(float(ms))
            print(f"run {i + 1}: Harvest {h * 1000:.0f} ms ({hc * 1000:.0f} ms CPU), bare PySide6 {b * 1000:.0f} ms "
                  f"({bc * 1000:.0f} ms CPU) (heavy modules loaded in Harvest at first paint: "
                  f"{values.get('HARVEST_HEAVY_AT_PAINT', '?')}; load {_load()})", flush=True)
    finally:
        xvfb.kill()
        xvfb.wait()
        shutil.rmtree(pycache, ignore_errors=True)
    mh, mb = statistics.median(harvest), statistics.median(bare)
    mhc, mbc = statistics.median(harvest_cpu), statistics.median(bare_cpu)
    print("Harvest's steps to its first paint (median ms): "
          + "; ".join(f"{name} {statistics.median(v):.0f}" for name, v in phases.items()))
    print("the same steps in CPU ms (median): "
          + "; ".join(f"{name} {statistics.median(v):.0f}" for name, v in cpu_phases.items()))
    print(f"launch -> mapped and painted on Xvfb, median of {runs}: Harvest {mh * 1000:.0f} ms, "
          f"bare PySide6 window {mb * 1000:.0f} ms, ratio {mh / mb:.2f}x (goal 1.5x); "
          f"CPU to the first paint: Harvest {mhc * 1000:.0f} ms, bare {mbc * 1000:.0f} ms, ratio {mhc / mbc:.2f}x; "
          f"{os.cpu_count()} CPUs shared with other jobs, load average (1/5/15 min) {load_before} before, "
          f"{_load()} after")
    print(f"after the first paint (Harvest, median of {runs}): panes built and working at "
          f"{statistics.median(ready) * 1000:.0f} ms, the (empty, new) library open and shown at "
          f"{statistics.median(library) * 1000:.0f} ms after launch; longest the window went without handling "
          f"its events in between: median {statistics.median(stall):.0f} ms, worst {max(stall):.0f} ms")
    return mh / mb


if __name__ == "__main__":
    if sys.argv[1:] == ["--instructions"]:
        main_instructions()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
