"""`harvest add` + `harvest generate study-guide` on a 10-page PDF, as a person runs them.

Run: .venv/bin/python -m pytest tests/bench/bench_cli.py -s
Prints wall times (median of 3 fresh libraries) and the in-process generate time once models are warm.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from tests.samples import VOLCANO_PAGES, write_pdf


def _run(args, home):
    env = {**os.environ, "HARVEST_HOME": str(home)}
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "harvest_desktop.cli", *map(str, args)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    return time.perf_counter() - t0


def test_bench_add_and_generate_ten_page_pdf(tmp_path):
    pages = (VOLCANO_PAGES * 3)[:10]
    pdf = write_pdf(tmp_path / "ten-pages.pdf", pages)
    adds, gens = [], []
    for i in range(3):
        home = tmp_path / f"home{i}"
        adds.append(_run(["add", pdf], home))
        gens.append(_run(["generate", "study-guide", "-o", tmp_path / f"guide{i}.pdf"], home))
    print(f"\n[bench] harvest add (10-page PDF, cold process): median {statistics.median(adds):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in adds)})")
    print(f"[bench] harvest generate study-guide -o .pdf (cold process): median {statistics.median(gens):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in gens)})")

    # In-process, models already loaded: the engine's own cost per document.
    os.environ["HARVEST_HOME"] = str(tmp_path / "warm")
    from harvest_desktop.library import Library

    lib = Library()
    lib.enqueue([pdf])
    lib.harvest_sync()
    lib.generate("study-guide")  # warm-up: loads spaCy once
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        lib.generate("study-guide")
        warm.append(time.perf_counter() - t0)
    lib.close()
    print(f"[bench] generate study-guide in-process, models loaded: median {statistics.median(warm) * 1000:.0f} ms")
