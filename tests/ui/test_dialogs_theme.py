"""Themes switch every colour role at once and keep text readable."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel

from harvest_desktop.ui import theme
from harvest_desktop.ui.theme import apply_theme, build_palette, current_theme_is_dark

Role, Group = QPalette.ColorRole, QPalette.ColorGroup


@pytest.fixture(autouse=True)
def _back_to_light(qapp):
    yield
    apply_theme(qapp, "light")


def _contrast(a, b) -> float:
    def lum(c) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_dark_then_light(qapp, qtbot):
    label = QLabel("Photosynthesis")
    qtbot.addWidget(label)
    apply_theme(qapp, "dark")
    qapp.processEvents()
    pal = qapp.palette()
    assert pal.color(Role.Window).lightness() < 80
    assert pal.color(Role.WindowText).lightness() > 180
    assert label.palette().color(Role.WindowText).lightness() > 180
    assert current_theme_is_dark(qapp)
    assert qapp.style().name().lower() == "fusion"

    apply_theme(qapp, "light")
    qapp.processEvents()
    pal = qapp.palette()
    assert pal.color(Role.Window).lightness() > 200
    assert pal.color(Role.WindowText).lightness() < 80
    assert label.palette().color(Role.WindowText).lightness() < 80
    assert not current_theme_is_dark(qapp)


@pytest.mark.parametrize("dark", [False, True])
def test_palettes_are_readable(dark):
    pal = build_palette(dark)
    for group in (Group.Active, Group.Inactive):
        assert _contrast(pal.color(group, Role.Text), pal.color(group, Role.Base)) >= 7
        assert _contrast(pal.color(group, Role.WindowText), pal.color(group, Role.Window)) >= 7
        assert _contrast(pal.color(group, Role.ButtonText), pal.color(group, Role.Button)) >= 7
        assert _contrast(pal.color(group, Role.HighlightedText), pal.color(group, Role.Highlight)) >= 4.5
        assert _contrast(pal.color(group, Role.Link), pal.color(group, Role.Base)) >= 4.5
        assert _contrast(pal.color(group, Role.ToolTipText), pal.color(group, Role.ToolTipBase)) >= 7
    # disabled text is visibly dimmer than enabled text, but still there
    enabled = _contrast(pal.color(Group.Active, Role.Text), pal.color(Group.Active, Role.Base))
    disabled = _contrast(pal.color(Group.Disabled, Role.Text), pal.color(Group.Disabled, Role.Base))
    assert 1.8 < disabled < enabled


def test_system_follows_the_platform_live(qapp, monkeypatch):
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app: True)
    apply_theme(qapp, "system")
    assert current_theme_is_dark(qapp)
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app: False)
    qapp.styleHints().colorSchemeChanged.emit(qapp.styleHints().colorScheme())
    assert not current_theme_is_dark(qapp)
    # an explicit choice ignores the platform
    apply_theme(qapp, "dark")
    qapp.styleHints().colorSchemeChanged.emit(qapp.styleHints().colorScheme())
    assert current_theme_is_dark(qapp)


def test_one_watcher_however_often_applied(qapp):
    for name in ("system", "dark", "light", "system"):
        apply_theme(qapp, name)
    assert len(qapp.findChildren(theme._SchemeWatcher)) == 1


def test_unknown_name_falls_back_to_system(qapp):
    apply_theme(qapp, "solarized")
    assert theme.current_theme(qapp) == "system"
