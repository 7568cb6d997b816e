"""The core stays Qt-free and start-up stays light: checked, not hoped for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(exe), str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 1 kept, 0 broken" in res.stdout, res.stdout


def test_no_qt_import_outside_ui_by_source_scan():
    """A second, independent check that also catches imports import-linter cannot see (exec, strings)."""
    allowed = {"app.py", "__main__.py"}
    offenders = []
    pkg = ROOT / "harvest_desktop"
    for path in pkg.rglob("*.py"):
        rel = path.relative_to(pkg)
        if rel.parts[0] == "ui" or (len(rel.parts) == 1 and rel.name in allowed):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import PySide6", "from PySide6", "import qasync", "from qasync")):
                offenders.append(f"{rel}: {stripped}")
    assert offenders == []


def test_core_imports_do_not_pull_heavy_libraries():
    """Importing what the CLI and window need at start-up must not import torch, spaCy, litellm..."""
    code = (
        "import sys\n"
        "import harvest_desktop.library, harvest_desktop.cli, harvest_desktop.formats.registry\n"
        "import harvest_desktop.index.service, harvest_desktop.acquire.web, harvest_desktop.export\n"
        "heavy = ['torch', 'sentence_transformers', 'spacy', 'faiss', 'litellm', 'trafilatura', 'reportlab',\n"
        "         'transformers', 'sklearn']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"heavy modules imported at start-up: {res.stdout.strip()}"
