"""Gather the licence texts of everything shipped in the Harvest bundle into one folder.

Used by harvest.spec (for the distributions the analysis actually bundled) and runnable alone:
    python packaging/collect_licenses.py OUT_DIR      # every distribution installed here
The folder holds one sub-folder per distribution with its licence/notice files (or, when a wheel
ships none, a LICENSE-SUMMARY.txt with the licence its metadata declares), the Python licence,
the PyInstaller bootloader licence, and the LGPL-3.0 / GPL-3.0 texts under which Qt and PySide6
are used, with a note on replacing the Qt libraries.
"""

from __future__ import annotations

import re
import shutil
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
_LICENSE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)[^/]*$", re.IGNORECASE)
# Build-time tools that never end up inside the bundle.
_BUILD_ONLY = {"pip", "setuptools", "wheel", "pyinstaller", "pyinstaller-hooks-contrib", "altgraph",
               "pytest", "pytest-qt", "pytest-asyncio", "iniconfig", "pluggy", "import-linter",
               "grimp", "keyrings.alt"}

QT_NOTICE = """\
Qt and PySide6 (Qt for Python)
==============================

Harvest uses the Qt libraries and PySide6 (Qt for Python), (c) The Qt Company Ltd and other
contributors, under the GNU Lesser General Public License version 3 (LGPL-3.0-only). The licence
texts are in this folder: LGPL-3.0.txt and GPL-3.0.txt (the LGPL is a set of additional
permissions on top of the GPL).

The Qt and PySide6 libraries in this bundle are unmodified and dynamically linked. They sit as
separate files in the bundle's _internal/PySide6 folder (Qt/lib, Qt/plugins and the PySide6
modules), and you may replace them with your own builds of the same version.

Source code of Qt: https://code.qt.io/ and https://download.qt.io/official_releases/qt/
Source code of PySide6: https://code.qt.io/cgit/pyside/pyside-setup.git/
Version shipped: {version}
"""


def _dist_name(dist: metadata.Distribution) -> str:
    return dist.metadata["Name"] or "unknown"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _license_files(dist: metadata.Distribution) -> list[Path]:
    found = []
    for f in dist.files or []:
        if _LICENSE_NAME.search(str(f)) and not str(f).endswith((".py", ".pyc")):
            path = Path(dist.locate_file(f))
            if path.is_file():
                found.append(path)
    return found


def _summary(dist: metadata.Distribution) -> str:
    md = dist.metadata
    lines = [f"{md['Name']} {md['Version']}"]
    for key in ("License-Expression", "License"):
        value = md.get(key)
        if value and len(value) < 300:
            lines.append(f"{key}: {value}")
    lines += [f"Classifier: {c}" for c in md.get_all("Classifier") or [] if c.startswith("License")]
    for key in ("Home-page", "Project-URL"):
        lines += [f"{key}: {v}" for v in md.get_all(key) or []]
    lines.append("")
    lines.append("This distribution ships no licence file in its wheel; the licence above is the one its")
    lines.append("package metadata declares. The full text is at the project's home page.")
    return "\n".join(lines) + "\n"


def distributions_for(top_level: set[str]) -> list[metadata.Distribution]:
    """Installed distributions that provide any of the given top-level modules."""
    by_top = metadata.packages_distributions()
    names = {_norm(d) for top in top_level for d in by_top.get(top, [])}
    seen, dists = set(), []
    for dist in metadata.distributions():
        key = _norm(_dist_name(dist))
        if key in names and key not in seen and key not in _BUILD_ONLY:
            seen.add(key)
            dists.append(dist)
    return dists


def write_licenses(out: Path, dists: list[metadata.Distribution]) -> int:
    """Write the licences folder; returns how many distributions it covers."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for dist in sorted(dists, key=lambda d: _norm(_dist_name(d))):
        target = out / f"{_norm(_dist_name(dist))}-{dist.version}"
        target.mkdir(exist_ok=True)
        files = _license_files(dist)
        for src in files:
            dest = target / src.name
            n = 2
            while dest.exists():
                dest = target / f"{src.stem}-{n}{src.suffix}"
                n += 1
            shutil.copyfile(src, dest)
        if not files:
            (target / "LICENSE-SUMMARY.txt").write_text(_summary(dist), encoding="utf-8")
    # Python itself and the PyInstaller bootloader the executables are built on.
    py_license = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if py_license.is_file():
        shutil.copyfile(py_license, out / "Python-LICENSE.txt")
    try:
        pyi = metadata.distribution("pyinstaller")
        for src in _license_files(pyi):
            shutil.copyfile(src, out / f"PyInstaller-bootloader-{src.name}")
    except metadata.PackageNotFoundError:
        pass
    # Qt / PySide6: LGPL-3.0 texts and the notice on replacing the libraries.
    for name in ("LGPL-3.0.txt", "GPL-3.0.txt"):
        shutil.copyfile(HERE / "licenses" / name, out / name)
    try:
        qt_version = metadata.version("PySide6-Essentials")
    except metadata.PackageNotFoundError:
        qt_version = "unknown"
    (out / "Qt-PySide6-NOTICE.txt").write_text(QT_NOTICE.format(version=qt_version), encoding="utf-8")
    # Harvest's own licence.
    own = HERE.parent / "LICENSE"
    if own.is_file():
        shutil.copyfile(own, out / "Harvest-LICENSE.txt")
    return len(dists)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__)
        return 2
    dists = [d for d in metadata.distributions() if _norm(_dist_name(d)) not in _BUILD_ONLY]
    count = write_licenses(Path(args[0]), dists)
    print(f"licences of {count} distributions written to {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
