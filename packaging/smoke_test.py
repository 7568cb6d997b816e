"""Smoke-test a built Harvest bundle (dist/harvest) on this machine, headless.

    .venv/bin/python packaging/smoke_test.py [--dist dist/harvest] [--report FILE] [--keep]

Runs, each with a fresh HARVEST_HOME and HOME in a temporary folder and Qt offscreen:
  1. `harvest-desktop --smoke-test notes.md guide.md`: the window paints, the file is harvested,
     a study guide is generated with the built-in engine and exported; the bundled MiniLM and spaCy
     models load; the keyring backend is discovered (see below). Must print SMOKE OK and exit 0.
  2. the `harvest` CLI: add (a Markdown and a PDF file), list, generate study-guide -o guide.pdf.
  3. start-up time: `harvest-desktop` with HARVEST_STARTUP_PROBE set prints the time from launch
     to the first paint of the main window and closes (twice: cold and warm file cache).

Keyring: the frozen app must find a real backend through keyring's entry points (a frozen app
loses them unless the spec ships keyring's metadata). On Linux the real store is the Secret
Service, so the test runs the app inside a private D-Bus session with a throwaway, unlocked GNOME
Keyring (needs the Debian/Ubuntu packages dbus and gnome-keyring) and asks the app to store, read
back and delete a secret. Harvest does not ship plaintext keyring backends (keyrings.alt).

Exit status 0 when every step passed; prints the figures and writes them as JSON with --report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = """# Cell Biology Basics

## The Cell

The cell is the basic unit of life. Every living organism is made of one or more cells. A cell
membrane surrounds the cytoplasm and controls what enters and leaves the cell. The nucleus holds
the genetic material of the cell.

## Photosynthesis

Photosynthesis is the process by which plants convert light energy into chemical energy.
Chlorophyll is the green pigment that absorbs light in the chloroplasts. The products of
photosynthesis are glucose and oxygen, and the process takes in carbon dioxide and water.

## Mitosis

Mitosis is the division of a cell nucleus into two identical nuclei. It has four phases:
prophase, metaphase, anaphase and telophase. Mitosis is how the body grows and repairs damaged
tissue, while meiosis produces the sex cells.
"""
PDF_PARAGRAPHS = [
    "The French Revolution",
    "The French Revolution was a period of political and social change in France that began in 1789. "
    "The Estates-General met at Versailles in May 1789, and the storming of the Bastille followed in July.",
    "The Declaration of the Rights of Man and of the Citizen set out the principles of liberty and equality. "
    "The monarchy was abolished in 1792 and France became a republic.",
    "The Reign of Terror was a period of mass executions led by the Committee of Public Safety. "
    "Maximilien Robespierre was its most prominent member until his fall in 1794.",
]
TIMEOUT = 900


class Step:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = False
        self.seconds = 0.0
        self.detail = ""
        self.figures: dict[str, float | str] = {}


def make_inputs(folder: Path) -> tuple[Path, Path]:
    md = folder / "cell-biology.md"
    md.write_text(NOTES, encoding="utf-8")
    pdf = folder / "french-revolution.pdf"
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    story = [Paragraph(PDF_PARAGRAPHS[0], styles["Title"])]
    story += [Paragraph(p, styles["BodyText"]) for p in PDF_PARAGRAPHS[1:]]
    SimpleDocTemplate(str(pdf), pagesize=A4, title=PDF_PARAGRAPHS[0]).build(story)
    return md, pdf


def secret_service_wrapper() -> list[str] | None:
    """A command prefix that runs its command in a private D-Bus session with an unlocked keyring."""
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        return None
    script = ('printf "smoke-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; '
              'exec "$@"')
    return ["dbus-run-session", "--", "sh", "-c", script, "sh"]


def run(cmd: list[str], env: dict[str, str], *, watch: str | None = None,
        timeout: float = TIMEOUT) -> tuple[int, str, float, float | None]:
    """Run, echo output, and return (status, output, seconds, seconds until a line containing watch)."""
    started = time.monotonic()
    seen_at: list[float] = []
    lines: list[str] = []
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", cwd=env.get("HOME"))

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if watch and not seen_at and watch in line:
                seen_at.append(time.monotonic() - started)
            lines.append(line)
            if line.startswith(("SMOKE", "HARVEST_", "ok:", "error:")) or "Traceback" in line:
                print("    " + line.rstrip(), flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = -9
    reader.join(10)
    return status, "".join(lines), time.monotonic() - started, (seen_at[0] if seen_at else None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", default=str(ROOT / "dist" / "harvest"), help="the bundle folder")
    ap.add_argument("--report", help="write the figures here as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)

    dist = Path(args.dist).resolve()
    suffix = ".exe" if sys.platform.startswith("win") else ""
    gui, cli = dist / f"harvest-desktop{suffix}", dist / f"harvest{suffix}"
    for exe in (gui, cli):
        if not exe.is_file():
            print(f"no bundle at {dist}: {exe.name} is missing; build it with "
                  "`.venv/bin/python packaging/build.py`", file=sys.stderr)
            return 2

    wrapper: list[str] = []
    if sys.platform.startswith("linux"):
        found = secret_service_wrapper()
        if found is None:
            print("this test needs a Secret Service to check the frozen app's keyring: install the "
                  "packages dbus and gnome-keyring (apt-get install dbus gnome-keyring)", file=sys.stderr)
            return 2
        wrapper = found

    tmp = Path(tempfile.mkdtemp(prefix="harvest-smoke-"))
    steps: list[Step] = []
    try:
        md, pdf = make_inputs(tmp)
        # Only the bundle: no virtualenv, no source tree, nothing from the caller's Python.
        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTHON", "VIRTUAL_ENV", "HARVEST_", "QT_", "HF_", "LITELLM"))}
        base_env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp / "home"),
                        XDG_DATA_HOME=str(tmp / "home" / ".local" / "share"),
                        XDG_CONFIG_HOME=str(tmp / "home" / ".config"),
                        XDG_CACHE_HOME=str(tmp / "home" / ".cache"),
                        XDG_RUNTIME_DIR=str(tmp / "run"))
        (tmp / "home").mkdir()
        (tmp / "run").mkdir(mode=0o700)

        # 1. the desktop app's end-to-end smoke test
        step = Step("gui smoke test")
        env = dict(base_env, HARVEST_HOME=str(tmp / "gui-home"), HARVEST_SMOKE_KEYRING_ROUNDTRIP="1")
        out = tmp / "guide.md"
        status, text, secs, paint = run([*wrapper, str(gui), "--smoke-test", str(md), str(out)], env,
                                        watch="SMOKE first-paint")
        step.seconds = secs
        step.ok = status == 0 and "SMOKE OK" in text and out.is_file() and out.stat().st_size > 0
        step.figures = {"exit": status, "launch_to_first_paint_s": round(paint, 2) if paint else "n/a",
                        "launch_to_exit_s": round(secs, 2)}
        for line in text.splitlines():
            if line.startswith("SMOKE keyring backend:"):
                step.figures["keyring"] = line.split(":", 1)[1].strip()
        step.detail = "" if step.ok else text[-3000:]
        steps.append(step)

        # 2. the headless front end
        step = Step("cli add/list/generate")
        env = dict(base_env, HARVEST_HOME=str(tmp / "cli-home"))
        t0 = time.monotonic()
        results = []
        guide_pdf = tmp / "guide.pdf"
        for cmd in (["add", str(md), str(pdf)], ["list"], ["generate", "study-guide", "-o", str(guide_pdf)]):
            status, text, secs, _ = run([*wrapper, str(cli), *cmd], env)
            results.append((cmd[0], status, round(secs, 2), text))
            step.figures[f"{cmd[0]}_s"] = round(secs, 2)
            if status != 0:
                break
        step.seconds = time.monotonic() - t0
        listed = results[1][3] if len(results) > 1 else ""
        step.ok = (all(s == 0 for _, s, _, _ in results) and len(results) == 3
                   and "cell-biology.md" in listed and "french-revolution.pdf" in listed
                   and guide_pdf.is_file() and guide_pdf.read_bytes()[:5] == b"%PDF-")
        step.detail = "" if step.ok else "\n".join(f"$ harvest {c} -> {s}\n{t[-1500:]}" for c, s, _, t in results)
        steps.append(step)

        # 3. launch to first paint of the main window (cold, then warm)
        step = Step("startup time")
        env = dict(base_env, HARVEST_HOME=str(tmp / "probe-home"), HARVEST_NO_WELCOME="1")
        probes = []
        for attempt in ("cold", "warm"):
            env["HARVEST_STARTUP_PROBE"] = f"{time.time():.6f}"
            status, text, secs, paint = run([*wrapper, str(gui)], env, watch="HARVEST_FIRST_PAINT_S", timeout=180)
            reported = [ln.split("=", 1)[1] for ln in text.splitlines() if ln.startswith("HARVEST_FIRST_PAINT_S=")]
            probes.append((status, reported[0] if reported else None))
            step.figures[f"{attempt}_first_paint_s"] = float(reported[0]) if reported else "n/a"
            step.figures[f"{attempt}_launch_to_exit_s"] = round(secs, 2)
            step.seconds += secs
        step.ok = all(s == 0 and r is not None for s, r in probes)
        step.detail = "" if step.ok else f"probe results: {probes}\n{text[-2000:]}"
        steps.append(step)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\nbundle smoke test:", dist)
    for step in steps:
        print(f"  {'PASS' if step.ok else 'FAIL'}  {step.name:24} {step.seconds:7.1f} s  "
              + ", ".join(f"{k}={v}" for k, v in step.figures.items()))
        if not step.ok:
            print("    " + step.detail.replace("\n", "\n    "))
    if args.report:
        Path(args.report).write_text(json.dumps(
            {s.name: {"ok": s.ok, "seconds": round(s.seconds, 2), **s.figures} for s in steps}, indent=2) + "\n",
            encoding="utf-8")
    return 0 if steps and all(s.ok for s in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
