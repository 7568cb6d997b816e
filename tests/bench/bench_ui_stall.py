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
import threading
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


def gap_figures(gaps: list[float]) -> tuple[float, float, int]:
    """Longest gap, 99th percentile and the count over 50 ms (sorts `gaps` in place)."""
    gaps.sort()
    worst = gaps[-1] if gaps else 0.0
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] if gaps else 0.0
    return worst, p99, sum(1 for g in gaps if g > 50)


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
    worst, p99, over = gap_figures(gaps)
    print(f"timer ticks: {len(gaps)}; median gap {statistics.median(gaps):.1f} ms; p99 {p99:.1f} ms; "
          f"longest stall {worst:.1f} ms; gaps over 50 ms: {over} (goal: 0); cpus={os.cpu_count()}")
    return worst, p99


if __name__ == "__main__" and "--book" not in sys.argv:
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)


def book(pages: int = 500, *, sample: bool = False, time_cancels: bool = True) -> None:
    """A `pages`-page PDF harvested through the window while searches run; then Cancel timed twice
    (while the book is read, while it is embedded). Prints the longest loop stall, each search's
    time to results, and each cancel's time from the press to the job stopping.

    Run: .venv/bin/python tests/bench/bench_ui_stall.py --book [pages] [--sample] [--no-cancel]
    --sample: a watchdog thread samples the main thread's stack while the loop is late and the
    search thread's while a search runs, and prints where the time went (stall_sampler.py).
    --no-cancel: skip the two timed cancels (faster, for iterating on the stall)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HARVEST_NO_WELCOME"] = "1"
    os.environ["HARVEST_HOME"] = tempfile.mkdtemp(prefix="harvest-stall-book-")
    corpus = Path(tempfile.mkdtemp(prefix="harvest-book-"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.books import make_book, write_pdf

    t0 = time.perf_counter()
    for name, seed in (("book-a.pdf", 7), ("book-b.pdf", 11), ("book-c.pdf", 13))[:3 if time_cancels else 1]:
        write_pdf(make_book(pages=pages, chapters=10, sections=4, seed=seed), corpus / name)
    write_corpus(corpus, 3)
    print(f"made three {pages}-page PDFs in {time.perf_counter() - t0:.0f} s")

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from harvest_desktop.app import HarvestApp, warm_up

    qapp = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    gaps: list[float] = []
    sampler = None
    if sample:
        from tests.bench.stall_sampler import StallSampler

        sampler = StallSampler()
        if os.environ.get("HARVEST_STALL_DUMPS"):  # a file: every stack, each time the loop is 250 ms late
            sampler.dump_stalls_to(os.environ["HARVEST_STALL_DUMPS"])
    searches: list[float] = []
    cancels: list[tuple[str, float]] = []

    async def wait_idle(app) -> None:
        await asyncio.sleep(0.3)
        while app.runner.running("harvest") or app.runner.running("enqueue") or app.runner.running("retry"):
            await asyncio.sleep(0.05)

    async def timed_cancel(app, stage: str, path: Path) -> None:
        app.window.add_items([str(path)])
        while not app.runner.running("harvest"):
            await asyncio.sleep(0.02)
        job = app.runner.running("harvest")[0]
        seen: list[str] = []
        job.progressed.connect(lambda p: seen.append(p.message))
        while not any(m.startswith(stage) or f": {stage}" in m for m in seen):
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
        pressed = time.perf_counter()
        app.window.jobs.rows[id(job)].cancel_button.click()
        while job.state == "running":
            await asyncio.sleep(0.005)
        cancels.append((stage, time.perf_counter() - pressed))

    async def run() -> None:
        app = HarvestApp(qapp, loop, show_welcome=False, warm=False)
        app.start()
        while app.window.library is None or app.runner.running("load"):
            await asyncio.sleep(0.05)
        await loop.run_in_executor(None, warm_up)
        app.window.add_items([str(p) for p in sorted(corpus.glob("*.md"))])
        await wait_idle(app)

        if time_cancels:
            await timed_cancel(app, "Reading", corpus / "book-b.pdf")
            await timed_cancel(app, "Embedding", corpus / "book-c.pdf")

        last = [time.perf_counter()]
        cpu0 = time.process_time()

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now
            if sampler is not None:
                sampler.heartbeat()

        if sampler is not None:
            sampler.start()

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        started = time.perf_counter()
        last[0] = started
        timer.start()
        app.window.add_items([str(corpus / "book-a.pdf")])
        await asyncio.sleep(0.3)
        window = app.window
        while app.runner.running("harvest") or app.runner.running("enqueue"):
            asked = time.perf_counter()
            window.run_search("photosynthesis energy in the cell")
            if sampler is not None:
                sampler.search_ident = next((t.ident for t in threading.enumerate()
                                             if t.name.startswith("harvest-search")), None)
            await asyncio.sleep(0.01)
            while window.runner.running("search"):
                await asyncio.sleep(0.01)
            searches.append(time.perf_counter() - asked)
            if sampler is not None:
                sampler.search_ident = None
            await asyncio.sleep(2.0)
        elapsed = time.perf_counter() - started
        timer.stop()
        if sampler is not None:
            sampler.stop()
        status = {s.name: s.status for s in window.sources.sources.values()}
        print(f"harvested book-a.pdf ({pages} pages) in {elapsed:.1f} s: {status.get('book-a.pdf')}; "
              f"this process used {time.process_time() - cpu0:.1f} CPU-s (the reader's process not counted); "
              f"load average {os.getloadavg()[0]:.1f}")
        await app.aclose()

    with loop:
        loop.run_until_complete(run())
    worst, p99, over = gap_figures(gaps)
    print(f"loop during the book: ticks {len(gaps)}; p99 gap {p99:.1f} ms; longest stall {worst:.1f} ms; "
          f"gaps over 50 ms: {over}")
    if searches:
        print(f"searches during the harvest: {len(searches)}; median {statistics.median(searches) * 1000:.0f} ms; "
              f"longest {max(searches) * 1000:.0f} ms")
    for stage, took in cancels:
        print(f"cancel while {stage.lower()}: {took * 1000:.0f} ms from the press to the job stopping")
    print(f"cpus={os.cpu_count()} (shared with other jobs)")
    if sampler is not None:
        sampler.report()


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--book":
    args = [a for a in sys.argv[2:] if not a.startswith("--")]
    book(int(args[0]) if args else 500, sample="--sample" in sys.argv, time_cancels="--no-cancel" not in sys.argv)
    sys.exit(0)
