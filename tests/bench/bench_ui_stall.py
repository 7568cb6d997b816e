"""How long the Qt loop goes without running while ~100 files are harvested through the window.

Run: .venv/bin/python tests/bench/bench_ui_stall.py [files]
A 10 ms QTimer records the gap between its ticks; the longest gap and the 99th percentile are the
stalls a person would feel (goal: none over 50 ms).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TOPICS = ["photosynthesis", "respiration", "mitosis", "meiosis", "osmosis", "diffusion", "enzymes", "proteins",
          "genetics", "evolution", "ecology", "homeostasis"]


def write_corpus(folder: Path, count: int) -> None:
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = "\n\n".join(
            f"{topic.capitalize()} note {i}, paragraph {p}: {topic} is a process studied in biology course {i}. "
            f"Term{i}x{p} refers to a detail of {topic} that appears only in file {i}. "
            + " ".join(f"word{i}_{p}_{k}" for k in range(40))
            for p in range(12))
        (folder / f"note-{i:03d}.md").write_text(f"# {topic.capitalize()} {i}\n\n{body}\n", encoding="utf-8")


def main(count: int = 100, warm: bool = False) -> tuple[float, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HARVEST_NO_WELCOME"] = "1"
    home = tempfile.mkdtemp(prefix="harvest-stall-")
    os.environ["HARVEST_HOME"] = home
    corpus = Path(tempfile.mkdtemp(prefix="harvest-corpus-"))
    write_corpus(corpus, count)

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from harvest_desktop.app import HarvestApp

    qapp = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    gaps: list[float] = []

    async def run() -> None:
        app = HarvestApp(qapp, loop, show_welcome=False, warm=warm)
        app.start()
        while app.window.library is None or app.runner.running("load"):
            await asyncio.sleep(0.05)
        if not warm:
            # Load the embedding model first, as the warm-up would; the bench measures harvesting.
            from harvest_desktop.app import warm_up

            await loop.run_in_executor(None, warm_up)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        started = time.perf_counter()
        last[0] = started
        timer.start()
        app.window.add_items([str(corpus)])
        await asyncio.sleep(0.2)
        while app.runner.running("harvest") or app.runner.running("enqueue") or any(
                s.status in ("queued", "harvesting") for s in app.window.sources.sources.values()):
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        timer.stop()
        ready = sum(1 for s in app.window.sources.sources.values() if s.status == "ready")
        print(f"harvested {ready}/{count} files in {elapsed:.1f} s")
        await app.aclose()

    with loop:
        loop.run_until_complete(run())
    gaps.sort()
    worst = gaps[-1] if gaps else 0.0
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] if gaps else 0.0
    over = sum(1 for g in gaps if g > 50)
    print(f"timer ticks: {len(gaps)}; median gap {statistics.median(gaps):.1f} ms; p99 {p99:.1f} ms; "
          f"longest stall {worst:.1f} ms; gaps over 50 ms: {over} (goal: 0); cpus={os.cpu_count()}")
    return worst, p99


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
