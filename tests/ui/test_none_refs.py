"""The reserve of references to None (harvest_desktop/ui/none_refs.py) and the Qt binding it guards against.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void call; when None's count reaches
zero the process aborts. The window processes run in a child (tests/ui/none_refs_child.py), so an abort
is a failed assertion with its stderr, not a dead test run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from harvest_desktop.ui import none_refs

ROOT = Path(__file__).resolve().parents[2]
CALLS = 200_000

pytestmark = pytest.mark.skipif(not none_refs.needed(), reason="None is immortal from Python 3.12: nothing to guard")


def run_child(mode: str, guard: str, tmp_path: Path, calls: int = CALLS) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HARVEST_HOME=str(tmp_path),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    return subprocess.run([sys.executable, "-m", "tests.ui.none_refs_child", mode, guard, str(calls)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))  # no core file


def report(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, f"the window process died (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    assert "none_dealloc" not in proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def aborted(proc: subprocess.CompletedProcess) -> bool:
    return proc.returncode != 0 and "none_dealloc" in proc.stderr


def test_the_pinned_binding_keeps_its_references_to_none(qtbot):
    """constraints.txt pins a PySide6 without the bug; a binding that has it fails here first."""
    from PySide6.QtWidgets import QLabel, QPlainTextEdit, QProgressBar, QWidget

    widget, bar, label, text = QWidget(), QProgressBar(), QLabel(), QPlainTextEdit()
    for w in (widget, bar, label, text):
        qtbot.addWidget(w)
    calls = {"QWidget.setEnabled": lambda: widget.setEnabled(False), "QProgressBar.setValue": lambda: bar.setValue(42),
             "QLabel.setText": lambda: label.setText("x"), "QPlainTextEdit.setPlainText": lambda: text.setPlainText("y"),
             "QWidget.update": lambda: widget.update()}
    for call in calls.values():
        call()
    lost = {}
    for name, call in calls.items():
        before = sys.getrefcount(None)
        for _ in range(100):
            call()
        lost[name] = before - sys.getrefcount(None)
    import PySide6

    assert set(lost.values()) == {0}, (f"PySide6 {PySide6.__version__} loses references to None on void calls "
                                       f"({lost}): pin a release without the bug (constraints.txt)")


def test_window_survives_200k_void_calls_with_the_reserve(tmp_path):
    """200,000 void calls on the window's frame and widgets, the reserve installed as __main__ does:
    the process ends cleanly and None's count stays far above zero whatever the binding."""
    got = report(run_child("real", "guard", tmp_path))
    assert got["installed"] and got["reserve_at_start"] == none_refs.START  # before the frame: 0.8 MB
    assert got["reserve_before_calls"] == none_refs.START + none_refs.RESERVE  # the first check's top-up
    assert got["lowest"] > none_refs.FLOOR // 2
    if got["binding_loss_per_100"]:  # a binding with the bug: the reserve paid for the calls
        assert got["lowest"] < got["start"] + got["reserve_before_calls"] - CALLS // 2


def test_without_the_reserve_a_binding_with_the_bug_aborts(tmp_path):
    """The control: the same window process without the reserve. With a sound binding it survives;
    with one that drops references (6.12.0) 200,000 void calls abort it."""
    proc = run_child("real", "bare", tmp_path)
    if proc.returncode == 0:
        got = report(proc)
        assert got["binding_loss_per_100"] == 0 and not got["installed"] and got["held"] == 0
    else:
        assert aborted(proc), proc.stderr[-3000:]


def test_the_check_tops_the_reserve_up_as_references_are_lost(tmp_path):
    """Each void call followed by a Py_DecRef(None) (the 6.12.0 loss, made on purpose): with
    100,000-reference top-ups under a 50,000 floor and a 10 ms check, 200,000 lost references need top-ups, the count never
    nears zero, and the process also survives its exit (the reserve is never given back)."""
    got = report(run_child("simulated", "guard", tmp_path))
    lost = CALLS * (1 + got["binding_loss_per_100"] / 100)
    assert got["held"] >= lost, got  # topped up at least as much as was lost
    assert got["held"] > got["reserve_before_calls"]
    assert got["lowest"] > 10_000, got  # the floor is 50,000; the check runs every 10 ms
    assert got["end"] >= 50_000


def test_the_same_loss_without_the_reserve_aborts(tmp_path):
    """The control of the test above: the simulated loss really kills a process that has no reserve."""
    proc = run_child("simulated", "bare", tmp_path)
    assert aborted(proc), f"exit {proc.returncode}, stderr:\n{proc.stderr[-3000:]}"


def test_the_app_installs_the_check_on_its_qapplication(make_app, qapp, qtbot):
    """HarvestApp (and __main__, earlier) hold the reserve and run the check on the app's loop."""
    from PySide6.QtCore import QTimer

    make_app(wait_open=False, wait_ready=False)
    timer = qapp.findChild(QTimer, "harvest-none-reserve")
    assert timer is not None and timer.isActive() and timer.interval() == none_refs.CHECK_MS
    # A process that already holds FLOOR references (a whole test run has loaded the models) needs no
    # reserve yet; a light one holds START at once.
    assert none_refs.held() >= none_refs.START or sys.getrefcount(None) >= none_refs.FLOOR
    qtbot.waitUntil(lambda: sys.getrefcount(None) >= none_refs.FLOOR, timeout=5000)  # the check's top-up
