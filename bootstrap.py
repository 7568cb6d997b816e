#!/usr/bin/env python3
"""Set up Harvest's environment on first use, then run the app or the tests.

    python3 bootstrap.py run      # create .venv if needed, install, start the window
    python3 bootstrap.py test     # same, plus test tools and system packages, then run every test
    python3 bootstrap.py cli ...  # run the `harvest` CLI from the checkout's environment
    python3 bootstrap.py bundle   # build the desktop bundle (PyInstaller) and smoke-test it

Only the standard library is used here, so it runs on a bare Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
IS_WIN = os.name == "nt"
PY = VENV / ("Scripts/python.exe" if IS_WIN else "bin/python")
# The CPU build of torch: an unpinned torch on Linux pulls a multi-GB CUDA build.
LINUX_TORCH = "torch==2.13.0"
# Debian packages: Qt's xcb platform plugin for a real window; Tesseract for OCR of scanned PDFs;
# xvfb for a virtual screen when there is no display.
APT_RUN = ["libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
           "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libegl1",
           "libgl1", "libfontconfig1", "libdbus-1-3"]
APT_TEST = APT_RUN + ["tesseract-ocr", "tesseract-ocr-eng", "xvfb", "poppler-utils"]
# Building: binutils/file to strip and check libraries; the smoke test runs the frozen app against
# a throwaway GNOME Keyring on a private D-Bus session.
APT_BUNDLE = APT_TEST + ["binutils", "file", "dbus", "gnome-keyring"]


def say(msg: str) -> None:
    print(f"[bootstrap] {msg}", flush=True)


def run(cmd: list[str], **kw) -> None:
    say(" ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kw)


def ensure_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Harvest needs Python 3.11 or newer; this is {platform.python_version()}. "
                 "Run this script with python3.11.")


def ensure_apt(packages: list[str]) -> None:
    """Install missing Debian packages when we can (root + apt); otherwise say what to install."""
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    missing = []
    for pkg in packages:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in res.stdout:
            missing.append(pkg)
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)
    else:
        say("missing system packages: " + " ".join(missing))
        say("install them with: sudo apt-get install " + " ".join(missing))


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
        run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip", "wheel", "setuptools"])
    stamp = VENV / f".harvest-installed-{extras or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if sys.platform.startswith("linux"):
        have = subprocess.run([str(PY), "-c", "import torch, sys; sys.stdout.write(torch.__version__)"],
                              capture_output=True, text=True)
        if have.returncode != 0:
            run([str(PY), "-m", "pip", "install", "-q", LINUX_TORCH])
    target = f".[{extras}]" if extras else "."
    run([str(PY), "-m", "pip", "install", "-q", "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def main(argv: list[str]) -> int:
    ensure_python()
    cmd = argv[0] if argv else "run"
    rest = argv[1:]
    if cmd == "run":
        env = base_env()
        headless = sys.platform.startswith("linux") and not env.get("DISPLAY") \
            and not env.get("WAYLAND_DISPLAY") and not env.get("QT_QPA_PLATFORM")
        ensure_apt(APT_RUN + (["xvfb", "xauth"] if headless else []))
        ensure_venv("")
        if headless:
            if shutil.which("xvfb-run"):
                say("no display found: starting Harvest on a virtual screen (xvfb-run)")
                return subprocess.call(["xvfb-run", "-a", str(PY), "-m", "harvest_desktop", *rest], env=env)
            say("no display found: set DISPLAY, or install xvfb, or QT_QPA_PLATFORM=offscreen")
        return subprocess.call([str(PY), "-m", "harvest_desktop", *rest], env=env)
    if cmd == "test":
        ensure_apt(APT_TEST)
        ensure_venv("test")
        env = base_env()
        env["QT_QPA_PLATFORM"] = "offscreen"
        return subprocess.call([str(PY), "-m", "pytest", *rest], env=env, cwd=ROOT)
    if cmd == "bundle":
        ensure_apt(APT_BUNDLE)
        ensure_venv("test,build")
        env = base_env()
        env["QT_QPA_PLATFORM"] = "offscreen"
        rc = subprocess.call([str(PY), str(ROOT / "packaging" / "build.py"), *rest], env=env, cwd=ROOT)
        if rc != 0:
            return rc
        return subprocess.call([str(PY), "-m", "pytest", "-m", "bundle", "tests/integration/test_bundle.py"],
                               env=env, cwd=ROOT)
    if cmd == "cli":
        ensure_venv("")
        return subprocess.call([str(PY), "-m", "harvest_desktop.cli", *rest], env=base_env())
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
