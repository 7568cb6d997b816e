"""The core stays Qt-free and start-up stays light: checked, not hoped for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_hold():
    """Qt-free core, the layer order, independent siblings, front ends only through the services."""
    import re

    exe = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(exe), "--no-cache", "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0, res.stdout + res.stderr
    counts = re.search(r"Contracts: (\d+) kept, 0 broken", res.stdout)
    assert counts and int(counts.group(1)) >= 6, res.stdout
    for name in ("The core is Qt-free", "Layers: front ends (cli|ui|server) > sync > library > services",
                 "Front ends go through the services", "Panes do not know each other"):
        assert f"{name}" in " ".join(res.stdout.split()), f"contract missing: {name}"


def _import_graph():
    """Every import in the package, including those inside functions (TYPE_CHECKING ones excluded)."""
    import grimp

    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph("harvest_desktop", exclude_type_checking_imports=True, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def _cycles(graph, root: str = "harvest_desktop") -> list[list[str]]:
    found, seen = [], set()
    for module in sorted(graph.modules):
        for dep in sorted(graph.find_modules_directly_imported_by(module)):
            if dep.split(".")[0] != root:
                continue
            chain = graph.find_shortest_chain(importer=dep, imported=module)
            if chain and frozenset(chain) not in seen:
                seen.add(frozenset(chain))
                found.append([module, *chain])
    return found


def test_no_import_cycles_anywhere_in_the_package():
    graph = _import_graph()
    assert graph.find_modules_directly_imported_by("harvest_desktop.understand.concepts") >= {
        "harvest_desktop.understand.ranking"}, "imports inside functions must be part of the graph"
    assert [" -> ".join(c) for c in _cycles(graph)] == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    import grimp

    pkg = tmp_path / "cyclic"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic import b\n")
    (pkg / "b.py").write_text("def later():\n    from cyclic import a\n    return a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("cyclic", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert _cycles(graph, "cyclic") == [["cyclic.a", "cyclic.b", "cyclic.a"]]


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


def test_the_window_uses_only_the_panes_public_api():
    """The window wires panes through signals and public methods; it never reaches into their privates."""
    import re

    offenders = []
    for path in [ROOT / "harvest_desktop" / "app.py", *(ROOT / "harvest_desktop" / "ui").glob("*.py")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for attr, private in re.findall(r"\b(?:self|window|w)\.(\w+)\.(_[a-z]\w*)", line):
                if not attr.startswith("_"):
                    offenders.append(f"{path.name}:{n}: {attr}.{private}")
    assert offenders == []
