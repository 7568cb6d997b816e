"""Where the main thread (and the search thread) spend their time while a harvest runs.

A watchdog thread samples ``sys._current_frames()`` every few milliseconds. A main-thread sample is
kept when the main loop's heartbeat is late (a stall in progress); a search-thread sample is kept
while a search is running. The report groups samples by their innermost project frames, so the
cause of a stall shows as the stack it was seen in most often. The watchdog also records how late
it woke itself: a thread that cannot get the GIL cannot sample either, so long watchdog delays
point at native code holding the GIL.

Used by bench_ui_stall.py (``--sample``); no Qt here, the bench drives the heartbeat.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import traceback

PROJECT = ("harvest_desktop", "tests/bench")


def _frames_key(frame, depth: int = 6) -> str:
    """The innermost frames, project frames always kept, library frames only as the leaf."""
    stack = traceback.extract_stack(frame)
    lines = []
    for fs in reversed(stack):
        short = fs.filename.split("site-packages/")[-1]
        if "harvest_desktop/" in fs.filename:
            short = "harvest_desktop/" + fs.filename.split("harvest_desktop/")[-1]
        lines.append(f"{short}:{fs.lineno} {fs.name}")
        if len(lines) >= depth:
            break
    return "\n      ".join(lines)


class StallSampler:
    def __init__(self, late_ms: float = 60.0, every_ms: float = 5.0) -> None:
        self.late = late_ms / 1000
        self.every = every_ms / 1000
        self.main_ident = threading.get_ident()
        self.main_tid = threading.get_native_id()
        # CPU the main thread itself used while the loop was late, against the wall time it was late:
        # near 0 means it was waiting (for the GIL or for a core), near 1 that it was busy (Qt, Python)
        self.late_wall = 0.0
        self.late_cpu = 0.0
        # the main thread's scheduler state while late: R = ready but given no core, S = asleep
        # (waiting for the GIL, or idle in Qt's event wait)
        self.late_states: collections.Counter[str] = collections.Counter()
        self.beat = time.perf_counter()
        self.search_ident: int | None = None
        self.main_samples: collections.Counter[str] = collections.Counter()
        self.search_samples: collections.Counter[str] = collections.Counter()
        self.other_in_stall: collections.Counter[str] = collections.Counter()
        self.wake_late: list[float] = []
        # on a late wake-up: what the other threads were doing the moment the GIL came back
        self.after_gil: collections.Counter[str] = collections.Counter()
        self.after_gil_ms: collections.Counter[str] = collections.Counter()
        self.dump_file = None
        self.gc_pauses: list[tuple[int, float, str, int]] = []  # (generation, ms, thread, collected)
        self._gc_started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def heartbeat(self) -> None:
        self.beat = time.perf_counter()
        if self.dump_file is not None:  # faulthandler's own C thread dumps every stack after 250 ms
            import faulthandler

            faulthandler.dump_traceback_later(0.25, repeat=False, file=self.dump_file)

    def dump_stalls_to(self, path: str) -> None:
        """Also arm faulthandler on each heartbeat: it needs no GIL to dump, so it sees the holder."""
        self.dump_file = open(path, "w")

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._on_gc)
        self.beat = time.perf_counter()
        self._thread.start()

    def _on_gc(self, phase: str, info: dict) -> None:
        """The garbage collector stops every thread (it holds the GIL): time each collection."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info["generation"], (time.perf_counter() - self._gc_started) * 1000,
                                   threading.current_thread().name, info.get("collected", 0)))

    def stop(self) -> None:
        import gc

        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self.dump_file is not None:
            import faulthandler

            faulthandler.cancel_dump_traceback_later()
        self._stop.set()
        self._thread.join(2)

    def _main_state(self) -> str:
        try:
            with open(f"/proc/self/task/{self.main_tid}/stat", "rb") as fh:
                return fh.read().rsplit(b")", 1)[1].split()[0].decode()
        except (OSError, IndexError):
            return "?"

    def _main_cpu(self) -> float:
        """Seconds of CPU the main thread has used (Linux /proc; 0 elsewhere)."""
        import os

        try:
            with open(f"/proc/self/task/{self.main_tid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def _run(self) -> None:
        names = {}
        late_since: tuple[float, float] | None = None  # (wall, main CPU) when the loop became late
        while not self._stop.is_set():
            asked = time.perf_counter()
            time.sleep(self.every)
            now = time.perf_counter()
            is_late = now - self.beat > self.late
            if is_late:
                self.late_states[self._main_state()] += 1
            if is_late and late_since is None:
                late_since = (self.beat, self._main_cpu())
            elif not is_late and late_since is not None:
                self.late_wall += max(0.0, self.beat - late_since[0])
                self.late_cpu += max(0.0, self._main_cpu() - late_since[1])
                late_since = None
            late_ms = (now - asked - self.every) * 1000
            self.wake_late.append(late_ms)
            frames = sys._current_frames()
            if late_ms > 40:
                for t in threading.enumerate():
                    names[t.ident] = t.name
                for ident, fr in frames.items():
                    if ident == threading.get_ident():
                        continue
                    key = _frames_key(fr, 4)
                    leaf = key.split("\n")[0]
                    if "threading.py" in leaf and "wait" in leaf or "thread.py:81 _worker" in leaf:
                        continue
                    k = f"[{names.get(ident, ident)}] {key}"
                    self.after_gil[k] += 1
                    self.after_gil_ms[k] += late_ms
            if now - self.beat > self.late and self.main_ident in frames:
                self.main_samples[_frames_key(frames[self.main_ident])] += 1
                for t in threading.enumerate():
                    names[t.ident] = t.name
                for ident, fr in frames.items():
                    if ident in (self.main_ident, threading.get_ident()):
                        continue
                    key = _frames_key(fr, 3)
                    if "wait" in key.split("\n")[0] or "_worker" in key.split("\n")[0] and "get" in key:
                        continue  # idle pool threads
                    self.other_in_stall[f"[{names.get(ident, ident)}] {key}"] += 1
            sid = self.search_ident
            if sid is not None and sid in frames:
                self.search_samples[_frames_key(frames[sid], 8)] += 1

    def report(self, top: int = 8, out=sys.stdout) -> None:
        ms = self.every * 1000

        def show(title: str, counter: collections.Counter) -> None:
            total = sum(counter.values())
            print(f"\n== {title}: {total} samples (~{total * ms:.0f} ms)", file=out)
            for key, n in counter.most_common(top):
                print(f"  {n:5d} ({n * 100 / max(1, total):4.1f}%)  {key}", file=out)

        show("main thread while the loop was late", self.main_samples)
        show("other busy threads while the loop was late", self.other_in_stall)
        show("search thread while a search ran", self.search_samples)
        total = sum(self.after_gil.values())
        print(f"\n== threads seen right after a watchdog wake-up over 40 ms late ({total}):", file=out)
        for key, n in self.after_gil_ms.most_common(top * 2):
            print(f"  {n:8.0f} ms in {self.after_gil[key]:4d} wakes  {key}", file=out)
        for gen in (0, 1, 2):
            ms = sorted(p[1] for p in self.gc_pauses if p[0] == gen)
            if ms:
                print(f"garbage collections of generation {gen}: {len(ms)}, {sum(ms):.0f} ms in all, longest "
                      f"{ms[-1]:.0f} ms", file=out)
        for gen, ms, thread, collected in sorted(self.gc_pauses, key=lambda p: -p[1])[:8]:
            print(f"  gen {gen} {ms:7.0f} ms on {thread} ({collected} collected)", file=out)
        if self.late_wall:
            print(f"main thread while the loop was late: {self.late_wall * 1000:.0f} ms late in all, "
                  f"{self.late_cpu * 1000:.0f} ms of its own CPU in that time "
                  f"({self.late_cpu / self.late_wall:.0%} busy; the rest it waited for the GIL or a core)", file=out)
            total = sum(self.late_states.values())
            print("its scheduler state while late: " + ", ".join(
                f"{k} {n * 100 / total:.0f}%" for k, n in self.late_states.most_common()) +
                " (R: ready, waiting for a core; S: asleep, waiting for the GIL)", file=out)
        late = sorted(self.wake_late)
        if late:
            print(f"\nwatchdog wake-up delay: median {late[len(late) // 2]:.1f} ms, p99 "
                  f"{late[int(len(late) * 0.99)]:.1f} ms, max {late[-1]:.1f} ms "
                  "(long delays: something held the GIL)", file=out)
