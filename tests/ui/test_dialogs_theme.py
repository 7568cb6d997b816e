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


class _State(dict):
    """The two QSettings calls the theme uses (the window's ui-state file)."""

    def value(self, key, default=None):
        return self.get(key, default)

    def setValue(self, key, value):  # noqa: N802 (Qt's name)
        self[key] = value


def test_first_paint_uses_the_remembered_system_scheme_then_checks_it(qapp, monkeypatch, tmp_path):
    """Start-up paints with the scheme remembered from the last start (asking Qt costs the first
    paint 20-30 ms of Python enums), asks the platform right after, and corrects a stale answer."""
    state = _State()
    asked = []

    def platform(answer: bool):
        def ask(app):
            asked.append(answer)
            return answer
        return ask

    monkeypatch.setattr(theme, "system_prefers_dark", platform(False))
    state.setValue("theme/system_dark", "true")  # dark at the last start
    shown_dark = theme.start_theme(qapp, "system", state)
    assert shown_dark and current_theme_is_dark(qapp) and asked == []  # painted dark without asking
    theme.check_system_theme(qapp, "system", state, shown_dark)  # after the first paint
    assert asked == [False] and not current_theme_is_dark(qapp)  # switched to light since: corrected
    assert state.value("theme/system_dark") == "false"

    # The next start remembers light; the platform agrees, nothing changes.
    shown_dark = theme.start_theme(qapp, "system", state)
    assert not shown_dark and not current_theme_is_dark(qapp)
    theme.check_system_theme(qapp, "system", state, shown_dark)
    assert not current_theme_is_dark(qapp)

    # An explicit theme is never checked against the platform.
    asked.clear()
    shown_dark = theme.start_theme(qapp, "dark", state)
    theme.check_system_theme(qapp, "dark", state, shown_dark)
    assert shown_dark and current_theme_is_dark(qapp) and asked == []


def test_very_first_start_guesses_from_the_platform_palette(qapp, monkeypatch, tmp_path):
    state = _State()  # nothing remembered
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app: True)
    qapp.setPalette(build_palette(True))  # as a platform in dark mode hands it over
    shown_dark = theme.start_theme(qapp, "system", state)
    assert shown_dark and current_theme_is_dark(qapp)
    theme.check_system_theme(qapp, "system", state, shown_dark)
    assert current_theme_is_dark(qapp) and state.value("theme/system_dark") == "true"
