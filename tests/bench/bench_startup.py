"""Time from launching `python -m harvest_desktop` to the main window's first paint (offscreen).

Run: .venv/bin/python tests/bench/bench_startup.py [runs]
Each run uses a fresh HARVEST_HOME; HARVEST_STARTUP_PROBE makes the app print the time since the
launcher's clock reading and quit right after the first paint.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time


def one_run() -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="harvest-bench-") as home:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HARVEST_HOME=home, HARVEST_NO_WELCOME="1",
                   HARVEST_NO_WARMUP="1")
        env["HARVEST_STARTUP_PROBE"] = repr(time.time())
        proc = subprocess.run([sys.executable, "-m", "harvest_desktop"], env=env, capture_output=True,
                              text=True, timeout=120)
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if line.startswith("HARVEST_"))
    if proc.returncode != 0 or "HARVEST_FIRST_PAINT_S" not in values:
        raise SystemExit(f"the app did not report its first paint (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(values["HARVEST_FIRST_PAINT_S"]), values.get("HARVEST_HEAVY_AT_PAINT", "?")


def main(runs: int = 5) -> float:
    times = []
    heavy = set()
    for i in range(runs):
        seconds, loaded = one_run()
        times.append(seconds)
        heavy.add(loaded)
        print(f"run {i + 1}: {seconds * 1000:.0f} ms to first paint (heavy modules loaded: {loaded})")
    median = statistics.median(times)
    print(f"median of {runs}: {median * 1000:.0f} ms to first paint (goal: under 1000 ms on 2 cores); "
          f"cpus={os.cpu_count()}")
    return median


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
