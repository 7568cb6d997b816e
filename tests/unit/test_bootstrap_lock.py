"""The lock file's maker and checker in bootstrap.py (standard library only, no pip run here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bootstrap():
    spec = importlib.util.spec_from_file_location("harvest_bootstrap", ROOT / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pins_from_a_pip_report_drop_the_project_direct_urls_and_local_labels():
    bootstrap = _bootstrap()
    items = [
        {"metadata": {"name": "Torch", "version": "2.13.0+cpu"}},
        {"metadata": {"name": "harvest_desktop", "version": "0.1.0"}, "is_direct": True},
        {"metadata": {"name": "some.pkg", "version": "1.0"}, "is_direct": True,
         "download_info": {"url": "file:///tmp/some.pkg"}},
        {"metadata": {"name": "PySide6_Essentials", "version": "6.12.0"}},
    ]
    assert bootstrap.pins_from_report(items, "harvest-desktop") == ["pyside6-essentials==6.12.0", "torch==2.13.0"]


def test_unlocked_dependencies_names_what_the_lock_lacks(tmp_path, monkeypatch):
    bootstrap = _bootstrap()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "harvest-desktop"\ndependencies = ["numpy>=1.26", "httpx[http2]>=0.27,<0.29",\n'
        '  "torch==2.13.0; platform_system == \'Linux\'"]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n', encoding="utf-8")
    lock = tmp_path / "constraints.txt"
    lock.write_text("# made by bootstrap.py lock\nnumpy==2.4.6\ntorch==2.13.0\n", encoding="utf-8")
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    monkeypatch.setattr(bootstrap, "LOCK", lock)
    assert bootstrap.unlocked_dependencies() == ["httpx", "pytest"]
    assert bootstrap.constraint_args() == ["-c", str(lock)]


def test_the_lock_keeps_the_cpu_torch_pin():
    bootstrap = _bootstrap()
    pins = bootstrap.LOCK.read_text(encoding="utf-8").splitlines()
    assert bootstrap.LINUX_TORCH in pins  # the CPU build's version; an unpinned torch pulls CUDA
