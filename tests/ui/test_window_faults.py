"""Storage faults in the window: a non-modal message (never the crash dialog), with Repair offered."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from tests.unit.test_storage_faults import filled_library


def test_damaged_library_gets_a_message_with_repair(make_app, qtbot, harvest_home, bugs):
    harvest_home.mkdir(parents=True, exist_ok=True)
    db = harvest_home / "library.sqlite3"
    filled_library(db, 120)
    os.truncate(db, db.stat().st_size // 2)
    app = make_app(wait_open=False)
    bar = app.window.messages
    qtbot.waitUntil(lambda: bar.isVisible() and "damaged" in bar.label.text(), timeout=20000)
    assert str(db) in bar.label.text() and "copy is kept" in bar.label.text()
    assert bar.action.isVisible() and bar.action.text() == "Repair library"
    assert app.window.library is None and not bugs
    qtbot.mouseClick(bar.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.library is not None and not app.runner.running(), timeout=30000)
    assert "Library repaired" in bar.label.text(), bar.label.text()
    assert len(app.window.library.sources()) < 120  # what was cut off is gone; the rest opens and reads
    assert list(harvest_home.glob("library.sqlite3.damaged-*"))


def test_invalid_settings_file_is_a_message_in_the_window(make_app, harvest_home):
    harvest_home.mkdir(parents=True, exist_ok=True)
    (harvest_home / "settings.json").write_text("null")
    app = make_app()
    assert "Settings:" in app.window.messages.label.text()
    assert "kept as settings.json.invalid-" in app.window.messages.label.text()


def test_disk_full_in_a_job_is_a_message_not_the_crash_dialog(make_app, qtbot, bugs):
    import errno

    app = make_app()

    def work(_token, _report):
        raise OSError(errno.ENOSPC, "No space left on device")

    with qtbot.waitSignal(app.runner.known_error, timeout=10000) as signal:
        app.runner.run("Saving the index", work)
    assert "disk is full" in signal.args[0]
    assert "disk is full" in app.window.messages.label.text()
    assert not bugs


def test_read_only_data_folder_opens_the_library_for_reading(make_app, qtbot, harvest_home, bugs):
    import subprocess

    harvest_home.mkdir(parents=True, exist_ok=True)
    filled_library(harvest_home / "library.sqlite3", 5)
    (harvest_home / "logs").mkdir()
    r = subprocess.run(["mount", "--bind", "-o", "ro", str(harvest_home), str(harvest_home)], capture_output=True)
    assert r.returncode == 0, r.stderr
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(harvest_home)], check=True)
        app = make_app()
        assert len(app.window.library.sources()) == 5
        assert "read-only" in app.window.messages.label.text()
        assert not bugs
        make_app.close(app)
    finally:
        subprocess.run(["umount", str(harvest_home)])
