"""Screenshots of the app in light and dark: real content, not blank, and dark really is darker.

PNGs land in tests/artifacts/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from harvest_desktop.core.settings import Settings
from harvest_desktop.ui.settings_dialog import SettingsDialog
from harvest_desktop.ui.theme import apply_theme, current_theme_is_dark

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(autouse=True)
def _back_to_light(qapp):
    yield
    apply_theme(qapp, "light")


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return raw.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).astype(np.float64)


def _shoot(qapp, widget: QWidget, name: str) -> dict[str, float]:
    """Grab the widget in light and dark, save both, and return their mean brightness."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    brightness: dict[str, float] = {}
    for theme in ("light", "dark"):
        apply_theme(qapp, theme)
        qapp.processEvents()
        assert current_theme_is_dark(qapp) == (theme == "dark")
        image = widget.grab().toImage()
        assert image.width() > 600 and image.height() > 400, (image.width(), image.height())
        path = ARTIFACTS / f"{name}-{theme}.png"
        assert image.save(str(path), "PNG")
        assert path.stat().st_size > 1000
        px = _pixels(image)
        assert px.std() > 10, f"{path.name} is close to a single colour"
        assert len(np.unique(px.reshape(-1, 3), axis=0)) > 20, f"{path.name} has almost no detail"
        brightness[theme] = float(px.mean())
    assert brightness["dark"] < brightness["light"] - 40, brightness
    return brightness


def test_main_window_light_and_dark(qapp, qtbot, request, docs):
    from tests.ui.helpers import drop_files, wait_status

    make_app = request.getfixturevalue("make_app")
    app = make_app()
    window = app.window
    drop_files(window, [docs / "biology.md"])
    src = wait_status(qtbot, window, "biology.md", "ready")
    window.sources.select(src.id)
    qtbot.waitUntil(lambda: "Photosynthesis" in window.preview_text.toPlainText(), timeout=10000)
    _shoot(qapp, window, "main-window")


def test_settings_dialog_light_and_dark(qapp, qtbot):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.resize(720, 520)
    dialog.show()
    qtbot.waitExposed(dialog)
    _shoot(qapp, dialog, "settings-dialog")


def test_welcome_and_crash_dialogs_render(qapp, qtbot):
    import sys

    from harvest_desktop.core import crash
    from harvest_desktop.ui.crash_dialog import CrashDialog
    from harvest_desktop.ui.welcome import WelcomeDialog

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    welcome = WelcomeDialog(detect=False)
    qtbot.addWidget(welcome)
    welcome.show()
    try:
        raise ValueError("example problem")
    except ValueError:
        report = crash.build_report(*sys.exc_info())
    crashed = CrashDialog(report)
    qtbot.addWidget(crashed)
    crashed.show()
    crashed.details_button.click()
    for theme in ("light", "dark"):
        apply_theme(qapp, theme)
        qapp.processEvents()
        for name, widget in (("welcome", welcome), ("crash-dialog", crashed)):
            image = widget.grab().toImage()
            assert image.save(str(ARTIFACTS / f"{name}-{theme}.png"), "PNG")
            assert _pixels(image).std() > 10
    welcome.done(0)


SIZES = ((1024, 768), (1600, 1000))


def _shoot_state(qapp, window, name: str) -> None:
    """The window in one state, at both sizes and in both themes, saved for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    from harvest_desktop.ui.layout import balance_panes

    for width, height in SIZES:
        window.resize(width, height)
        balance_panes(window, width)  # as the window shares the room when it opens on a screen this size
        for theme in ("light", "dark"):
            apply_theme(qapp, theme)
            for _ in range(3):
                qapp.processEvents()
            image = window.grab().toImage()
            assert (image.width(), image.height()) == (width, height), (name, image.size())
            path = ARTIFACTS / f"state-{name}-{width}x{height}-{theme}.png"
            assert image.save(str(path), "PNG")
            px = _pixels(image)
            assert px.std() > 10, f"{path.name} is close to a single colour"


def test_main_states_at_two_sizes_in_both_themes(qapp, qtbot, request, docs, tmp_path):
    """Empty, harvesting a book, a guide with citations, the concept map, export."""
    from tests.books import make_book, write_pdf
    from tests.ui.helpers import drop_files, wait_status

    make_app = request.getfixturevalue("make_app")
    app = make_app()
    w = app.window
    w.show()
    qtbot.waitExposed(w)
    _shoot_state(qapp, w, "empty")

    pdf = tmp_path / "cell-biology-book.pdf"
    write_pdf(make_book(pages=30, chapters=3, sections=2), pdf)
    drop_files(w, [docs / "biology.md", pdf])
    qtbot.waitUntil(lambda: bool(w.jobs.rows), timeout=20000)
    qtbot.waitUntil(lambda: any(r.detail.text() for r in w.jobs.rows.values()), timeout=20000)
    _shoot_state(qapp, w, "harvesting")
    wait_status(qtbot, w, "biology.md", "ready")
    wait_status(qtbot, w, pdf.name, "ready", timeout=300000)

    w.generate("study-guide")
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=60000)
    _shoot_state(qapp, w, "guide")

    w.find_concepts()
    qtbot.waitUntil(lambda: w.concepts.data is not None, timeout=60000)
    w.concepts.table.selectRow(0)
    _shoot_state(qapp, w, "concept-map")

    w.side.setCurrentWidget(w.export_pane)
    _shoot_state(qapp, w, "export")
