"""Build the Harvest bundle for this platform with one command.

    .venv/bin/python packaging/build.py [--clean] [--no-archive] [--onefile]

Writes dist/harvest/ (one folder: harvest-desktop, harvest, _internal/), on Linux adds the
desktop entry, icons and install.sh to it and packs dist/harvest-<version>-linux-x86_64.tar.gz,
on macOS dist/Harvest.app. Prints build time and size on disk, and writes them to
dist/build-report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "harvest"


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from harvest_desktop import __version__

    return __version__


def disk_usage(path: Path) -> int:
    """Bytes on disk (allocated blocks, like `du`), counting hard links once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for p in [path, *path.rglob("*")]:
        st = p.lstat()
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        total += getattr(st, "st_blocks", 0) * 512 or st.st_size
    return total


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return str(n)


def largest(path: Path, depth: int = 2, count: int = 15) -> list[tuple[int, str]]:
    """The biggest folders/files a couple of levels under the bundle, to steer exclusions."""
    sizes = []
    internal = path / "_internal"
    base = internal if internal.is_dir() else path
    for p in base.glob("*/" * (depth - 1) + "*"):
        if p.is_symlink():
            continue
        sizes.append((disk_usage(p) if p.is_dir() else p.stat().st_size, str(p.relative_to(path))))
    return sorted(sizes, reverse=True)[:count]


def add_linux_desktop_files(bundle: Path) -> None:
    """Desktop entry, freedesktop icons and a per-user installer inside the bundle folder."""
    share = bundle / "share"
    apps = share / "applications"
    apps.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PKG / "linux" / "harvest-desktop.desktop", apps / "harvest-desktop.desktop")
    icons = ROOT / "resources" / "icons"
    for png in sorted(icons.glob("harvest-*.png")):
        n = png.stem.split("-")[-1]
        target = share / "icons" / "hicolor" / f"{n}x{n}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, target / "harvest-desktop.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icons / "harvest.svg", scalable / "harvest-desktop.svg")
    for name in ("install.sh", "uninstall.sh"):
        dest = bundle / name
        shutil.copyfile(PKG / "linux" / name, dest)
        dest.chmod(dest.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def link_cli(bundle: Path) -> None:
    """`harvest` runs the same executable as the desktop app; entry.py picks the CLI by name."""
    link = bundle / "harvest"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to("harvest-desktop")


_LOAD_CHECK = """
import ctypes, os, sys
try:
    ctypes.CDLL(sys.argv[1], mode=os.RTLD_LAZY)
except OSError as exc:
    msg = str(exc)
    # Missing neighbours or Python symbols are not the stripper's doing; a mangled file is.
    if "cannot open shared object" not in msg and "undefined symbol" not in msg:
        print(msg)
        sys.exit(1)
"""


def strip_binaries(bundle: Path) -> tuple[int, list[str]]:
    """Drop symbol tables of unstripped libraries (libtorch_cpu alone carries ~90 MB of them).

    Libraries in `*.libs` folders were rewritten by auditwheel's patchelf, which strip corrupts,
    so they are left alone; every stripped file must still load, or its original comes back.
    Returns (bytes saved, files restored).
    """
    strip = shutil.which("strip")
    if not strip or not shutil.which("file"):
        print("strip or file not found; libraries keep their symbols")
        return 0, []
    saved, restored = 0, []
    backup_dir = Path(tempfile.mkdtemp(prefix="harvest-strip-"))
    try:
        for n, path in enumerate(sorted(bundle.rglob("*.so*"))):
            if path.is_symlink() or not path.is_file() or any(p.endswith(".libs") for p in path.parts):
                continue
            with path.open("rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            if "not stripped" not in subprocess.run(["file", "-b", str(path)], capture_output=True,
                                                    text=True).stdout:
                continue
            backup = backup_dir / f"{n}"
            shutil.copy2(path, backup)
            before = path.stat().st_size
            subprocess.run([strip, "--strip-unneeded", str(path)], check=True)
            check = subprocess.run([sys.executable, "-S", "-c", _LOAD_CHECK, str(path)],
                                   capture_output=True, text=True)
            if check.returncode != 0:
                shutil.copy2(backup, path)
                restored.append(f"{path.relative_to(bundle)}: {check.stdout.strip()[:200]}")
                continue
            saved += before - path.stat().st_size
    finally:
        shutil.rmtree(backup_dir, ignore_errors=True)
    return saved, restored


def missing_libraries(bundle: Path) -> list[str]:
    """Shared libraries some bundled binary needs that neither the bundle nor the OS baseline has."""
    readelf = shutil.which("readelf")
    if not readelf:
        return []
    from PyInstaller.depend import dylib

    present = {p.name for p in bundle.rglob("*") if ".so" in p.name or p.is_file()}
    missing = set()
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or (".so" not in path.name and os.access(path, os.X_OK) is False):
            continue
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        out = subprocess.run([readelf, "-d", str(path)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "(NEEDED)" in line:
                lib = line.split("[", 1)[1].rstrip("]")
                if lib not in present and not lib.startswith("ld-linux") and dylib.include_library(lib):
                    missing.add(f"{lib} (needed by {path.relative_to(bundle)})")
    return sorted(missing)


def make_tarball(bundle: Path, ver: str) -> Path:
    arch = platform.machine().lower() or "x86_64"
    name = f"harvest-{ver}-linux-{arch}"
    out = DIST / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=name)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    ap.add_argument("--no-archive", action="store_true", help="skip the tarball")
    ap.add_argument("--onefile", action="store_true", help="also build a single-file harvest-desktop")
    args = ap.parse_args(argv)

    ver = version()
    env = dict(os.environ)
    if args.onefile:
        env["HARVEST_ONEFILE"] = "1"
    cmd = [sys.executable, "-m", "PyInstaller", str(PKG / "harvest.spec"), "--noconfirm",
           "--distpath", str(DIST), "--workpath", str(WORK), "--log-level", "WARN"]
    if args.clean:
        cmd.append("--clean")
    print("$", " ".join(cmd), flush=True)
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    build_seconds = time.monotonic() - started

    if not sys.platform.startswith("win"):
        link_cli(BUNDLE)
        app_macos = DIST / "Harvest.app" / "Contents" / "MacOS"
        if app_macos.is_dir():
            link_cli(app_macos)
    if sys.platform.startswith("linux"):
        saved, restored = strip_binaries(BUNDLE)
        print(f"stripped symbols: {human(saved)} saved")
        for line in restored:
            print(f"  kept unstripped (would not load stripped): {line}")
        add_linux_desktop_files(BUNDLE)
        missing = missing_libraries(BUNDLE)
        if missing:
            print("WARNING: libraries needed but not bundled (and not part of the OS baseline):")
            for line in missing:
                print("  " + line)
    size = disk_usage(BUNDLE)
    report = {"version": ver, "platform": sys.platform, "build_seconds": round(build_seconds, 1),
              "bundle": str(BUNDLE), "bundle_bytes_on_disk": size}

    print(f"\nbuilt {BUNDLE} in {build_seconds:.0f} s")
    print(f"bundle size on disk: {human(size)}")
    print("largest parts:")
    for n, rel in largest(BUNDLE):
        print(f"  {human(n):>10}  {rel}")
    if sys.platform.startswith("linux") and not args.no_archive:
        t0 = time.monotonic()
        tarball = make_tarball(BUNDLE, ver)
        report["tarball"] = str(tarball)
        report["tarball_bytes"] = tarball.stat().st_size
        print(f"tarball: {tarball} ({human(tarball.stat().st_size)}, {time.monotonic() - t0:.0f} s)")
    (DIST / "build-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
