"""Child process for tests/ui/test_none_refs.py: void Qt calls in a window process, with or without the
reserve of references to None (harvest_desktop/ui/none_refs.py). Run as

    python -m tests.ui.none_refs_child real|simulated guard|bare CALLS

`real`: the binding's own void calls on the window's frame and a few widgets (a binding that drops a
reference to None on each loses CALLS references). `simulated`: each void call is followed by a
Py_DecRef(None), the loss PySide6 6.12.0 makes, so the guard's top-ups run whatever the binding; the
guard then uses a small reserve and a 10 ms check so that CALLS calls need several top-ups.
Prints one JSON line; a process that loses too many references aborts with "none_dealloc" instead.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import time

SMALL = {"reserve": 100_000, "floor": 50_000, "check_ms": 10, "start": 20_000}
BATCH = 1000  # void calls between two turns of the event loop


def binding_loss(widget, calls: int = 100) -> int:
    """References to None the binding loses over `calls` void calls (0 for a sound binding)."""
    widget.setEnabled(True)
    before = sys.getrefcount(None)
    for _ in range(calls):
        widget.setEnabled(True)
    return before - sys.getrefcount(None)


def main(mode: str, guard: str, calls: int) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HARVEST_HOME", tempfile.mkdtemp(prefix="harvest-none-refs-"))
    from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

    from harvest_desktop.core import paths
    from harvest_desktop.ui import none_refs
    from harvest_desktop.ui.main_window import MainWindow

    qapp = QApplication([sys.argv[0]])
    start = sys.getrefcount(None)
    installed = False
    if guard == "guard":  # as __main__ does, before the window's frame
        installed = none_refs.install(qapp, **(SMALL if mode == "simulated" else {}))
    reserve_at_start = none_refs.held()
    window = MainWindow(paths.data_dir() / "ui-state.ini")
    body = QWidget()
    layout = QVBoxLayout(body)
    bar, label, text = QProgressBar(), QLabel(), QPlainTextEdit()
    for w in (bar, label, text):
        layout.addWidget(w)
    window.show()
    body.show()
    qapp.processEvents()
    if installed:  # the check's first run (a second after the start) takes the full reserve
        deadline = time.monotonic() + 10
        while none_refs.held() <= reserve_at_start and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.01)
    reserve_before_calls = none_refs.held()
    loss = binding_loss(window)

    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    decref.restype = None
    calls_made_of = [
        lambda i: window.setEnabled(True),
        lambda i: bar.setValue(i % 100),
        lambda i: label.setText("harvesting"),
        lambda i: window.setWindowTitle("Harvest"),
    ]
    lowest = sys.getrefcount(None)
    for i in range(calls):
        calls_made_of[i % 4](i)
        if mode == "simulated":
            decref(None)
        if i % BATCH == BATCH - 1:
            text.setPlainText(f"{i} calls")  # one more void call, a larger one
            lowest = min(lowest, sys.getrefcount(None))  # the lowest point: just before a check can run
            qapp.processEvents()  # the reserve's check runs on the window's own loop
    qapp.processEvents()
    print(json.dumps({"binding_loss_per_100": loss, "installed": installed, "start": start,
                      "reserve_at_start": reserve_at_start,
                      "reserve_before_calls": reserve_before_calls, "lowest": lowest,
                      "end": sys.getrefcount(None), "held": none_refs.held(), "calls": calls}), flush=True)
    window.close()
    return 0  # the interpreter's finalisation follows: it must not abort either


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
