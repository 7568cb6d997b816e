"""Light, dark and follow-the-system themes: Fusion with complete palettes, switchable live."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")
_PROPERTY = "harvest_theme"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# (active/inactive colour, disabled colour) per role.
_LIGHT: dict[Role, tuple[str, str]] = {
    Role.Window: ("#f3f3f3", "#eeeeee"),
    Role.WindowText: ("#1b1b1b", "#8c8c8c"),
    Role.Base: ("#ffffff", "#f3f3f3"),
    Role.AlternateBase: ("#f5f7fa", "#eeeeee"),
    Role.ToolTipBase: ("#ffffdc", "#ffffdc"),
    Role.ToolTipText: ("#1b1b1b", "#8c8c8c"),
    Role.PlaceholderText: ("#6e6e6e", "#a0a0a0"),
    Role.Text: ("#1b1b1b", "#8c8c8c"),
    Role.Button: ("#e8e8e8", "#e6e6e6"),
    Role.ButtonText: ("#1b1b1b", "#8c8c8c"),
    Role.BrightText: ("#d00000", "#e08080"),
    Role.Light: ("#ffffff", "#ffffff"),
    Role.Midlight: ("#f0f0f0", "#f0f0f0"),
    Role.Mid: ("#b8b8b8", "#c8c8c8"),
    Role.Dark: ("#9a9a9a", "#b0b0b0"),
    Role.Shadow: ("#6a6a6a", "#9a9a9a"),
    Role.Highlight: ("#2d6cdf", "#b8c4da"),
    Role.HighlightedText: ("#ffffff", "#f0f0f0"),
    Role.Link: ("#0b57d0", "#7f9bd0"),
    Role.LinkVisited: ("#6a3ab2", "#a28cc8"),
}

_DARK: dict[Role, tuple[str, str]] = {
    Role.Window: ("#232427", "#2a2b2e"),
    Role.WindowText: ("#e8e8e8", "#7d7d7d"),
    Role.Base: ("#1b1c1e", "#242527"),
    Role.AlternateBase: ("#27292c", "#2a2b2e"),
    Role.ToolTipBase: ("#33353a", "#33353a"),
    Role.ToolTipText: ("#f0f0f0", "#8a8a8a"),
    Role.PlaceholderText: ("#9a9a9a", "#6a6a6a"),
    Role.Text: ("#e8e8e8", "#7d7d7d"),
    Role.Button: ("#2f3034", "#2a2b2e"),
    Role.ButtonText: ("#e8e8e8", "#7d7d7d"),
    Role.BrightText: ("#ff6b6b", "#a05050"),
    Role.Light: ("#3c3e43", "#3c3e43"),
    Role.Midlight: ("#34363a", "#34363a"),
    Role.Mid: ("#292a2d", "#292a2d"),
    Role.Dark: ("#151618", "#151618"),
    Role.Shadow: ("#0b0b0c", "#0b0b0c"),
    Role.Highlight: ("#2a62c9", "#3a4252"),
    Role.HighlightedText: ("#ffffff", "#9a9a9a"),
    Role.Link: ("#7fb0ff", "#5f7598"),
    Role.LinkVisited: ("#c39bff", "#7d6a98"),
}


_BUILT: dict[bool, QPalette] = {}


def build_palette(dark: bool) -> QPalette:
    """A complete palette: every role, for active, inactive and disabled widgets (a copy of the one
    made once per process: PySide6 6.12 on Python 3.11 loses a reference to None in every call of a
    method that returns nothing, and a palette takes 63 such calls)."""
    if dark not in _BUILT:
        _BUILT[dark] = _make_palette(dark)
    return QPalette(_BUILT[dark])


def _make_palette(dark: bool) -> QPalette:
    spec = _DARK if dark else _LIGHT
    palette = QPalette()
    for role, (normal, disabled) in spec.items():
        palette.setColor(Group.Active, role, QColor(normal))
        palette.setColor(Group.Inactive, role, QColor(normal))
        palette.setColor(Group.Disabled, role, QColor(disabled))
    accent = getattr(Role, "Accent", None)  # Qt >= 6.6
    if accent is not None:
        highlight = spec[Role.Highlight]
        palette.setColor(Group.Active, accent, QColor(highlight[0]))
        palette.setColor(Group.Inactive, accent, QColor(highlight[0]))
        palette.setColor(Group.Disabled, accent, QColor(highlight[1]))
    return palette


def system_prefers_dark(app: QGuiApplication) -> bool:
    """The platform's light/dark preference; light when the platform does not say."""
    hints = app.styleHints()
    scheme_getter = getattr(hints, "colorScheme", None)  # Qt >= 6.5
    if scheme_getter is None:
        return False
    from PySide6.QtCore import Qt  # its ~100 enums are made on first import (in the first paint's path)

    return scheme_getter() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, name: str, system_dark: bool | None = None) -> bool:
    """Switch every window to the named theme now; "system" also follows later platform changes.

    `system_dark`: the platform's preference when the caller already knows it (remembered from
    the last start: see start_theme); otherwise the platform is asked. Returns whether it is dark."""
    if name not in THEMES:
        log.warning("unknown theme %r; using the system theme", name)
        name = "system"
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setProperty(_PROPERTY, name)
    _watch_system_scheme(app)
    if name == "system":
        dark = system_prefers_dark(app) if system_dark is None else system_dark
    else:
        dark = name == "dark"
    _set_palette(app, dark)
    return dark


# Asking Qt for the platform's colour scheme makes PySide6 build the whole Qt namespace's Python
# enums (~100 of them, 20-30 ms) - before the first paint, for a window that needs none of them yet.
# So the first paint uses the answer remembered from the last start, and the platform is asked
# right after it; a different answer (the system was switched since) is applied at once.
_REMEMBERED = "theme/system_dark"


def start_theme(app: QApplication, name: str, state) -> bool:
    """The theme for the first paint; `state` is the window's QSettings. Returns whether it is dark.

    For "system": the answer remembered from the last start, or at the very first start the
    platform's own palette (dark when its window colour is); check_system_theme confirms it."""
    known = None
    if name == "system":
        remembered = str(state.value(_REMEMBERED, "")).lower()
        known = {"true": True, "false": False}.get(remembered)
        if known is None:
            known = app.palette().color(Role.Window).lightness() < 128
    return apply_theme(app, name, system_dark=known)


def check_system_theme(app: QApplication, name: str, state, shown_dark: bool) -> None:
    """After the first paint: ask the platform, remember the answer, and correct the palette if the
    system was switched since the last start."""
    if name != "system":  # an unknown name fell back to "system" and asked the platform already
        return
    dark = system_prefers_dark(app)
    state.setValue(_REMEMBERED, "true" if dark else "false")
    if dark != shown_dark:
        _set_palette(app, dark)


def current_theme(app: QApplication) -> str:
    """The theme name last applied (system, light or dark)."""
    value = app.property(_PROPERTY)
    return value if value in THEMES else "system"


def current_theme_is_dark(app: QApplication) -> bool:
    """Whether windows are drawn dark right now (whatever chose it: the user or the platform)."""
    return app.palette().color(Role.Window).lightness() < 128


def _set_palette(app: QApplication, dark: bool) -> None:
    # Widgets without a palette of their own follow the application palette at once.
    if dark not in _BUILT:
        _BUILT[dark] = _make_palette(dark)
    app.setPalette(_BUILT[dark])


class _SchemeWatcher(QObject):
    """Re-applies the system theme when the platform switches between light and dark."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        app.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    def _on_scheme_changed(self, *_args: object) -> None:
        if current_theme(self._app) == "system":
            _set_palette(self._app, system_prefers_dark(self._app))


def _watch_system_scheme(app: QApplication) -> None:
    if not hasattr(app.styleHints(), "colorSchemeChanged"):
        return
    if app.findChild(_SchemeWatcher) is None:
        _SchemeWatcher(app)
