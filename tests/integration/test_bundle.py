"""The frozen bundle in dist/harvest passes packaging/smoke_test.py.

Deselected from the default run (marker `bundle`); `python3 bootstrap.py bundle` builds the bundle
and runs these with `pytest -m bundle`. A missing bundle fails, it is never skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("HARVEST_BUNDLE_DIR", ROOT / "dist" / "harvest"))



pytestmark = [pytest.mark.bundle, pytest.mark.slow]


def test_bundle_exists() -> None:
    exe = ".exe" if sys.platform.startswith("win") else ""
    for name in (f"harvest-desktop{exe}", f"harvest{exe}"):
        assert (DIST / name).is_file(), f"{DIST / name} missing: build with packaging/build.py"
    assert (DIST / "_internal" / "licenses" / "LGPL-3.0.txt").is_file(), "licences not bundled"
    assert (DIST / "_internal" / "resources").is_dir(), "resources not bundled"


def test_bundle_smoke(tmp_path: Path) -> None:
    assert DIST.is_dir(), f"no bundle at {DIST}: build with packaging/build.py"
    report = tmp_path / "smoke.json"
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "smoke_test.py"), "--dist", str(DIST),
                           "--report", str(report)], capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    figures = json.loads(report.read_text())
    assert all(step["ok"] for step in figures.values()), figures
    assert "fail.Keyring" not in figures["gui smoke test"].get("keyring", "")
