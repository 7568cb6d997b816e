"""The real `python -m harvest_desktop` process: opens its library and warms up its models behind
the window without a crash report (a regression test for an import race between PySide6's import
hook and pydantic, which only showed in the full app)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_app_opens_library_and_warms_up_without_crashing(tmp_path: Path, harvest_home: Path):
    env = {**os.environ, "HARVEST_HOME": str(harvest_home), "QT_QPA_PLATFORM": "offscreen",
           "HARVEST_NO_WELCOME": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "harvest_desktop"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = harvest_home / "logs" / "harvest.log"
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if log.exists() and "Loading SentenceTransformer model" in log.read_text(errors="replace") \
                    and (harvest_home / "library.sqlite3").exists():
                break
            time.sleep(0.5)
        time.sleep(3)  # let the model finish loading
        assert proc.poll() is None, proc.stdout.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    crashes = sorted((harvest_home / "crashes").glob("*.log")) if (harvest_home / "crashes").exists() else []
    assert crashes == [], crashes[0].read_text()[:3000]
    assert (harvest_home / "library.sqlite3").exists()
