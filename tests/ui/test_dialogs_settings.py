"""The settings dialog edits every setting it shows, validates, saves atomically, or discards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QWidget,
)

from harvest_desktop.core import paths
from harvest_desktop.core.settings import Settings
from harvest_desktop.ui.settings_dialog import MB, SettingsDialog
from harvest_desktop.ui.theme import current_theme, current_theme_is_dark


@pytest.fixture
def dialog(qtbot):
    settings = Settings()
    settings.save()
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    return dlg


def _ok(dlg: SettingsDialog) -> None:
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def _cancel(dlg: SettingsDialog) -> None:
    dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()


def test_round_trip_through_widgets(dialog, qtbot, tmp_path, qapp):
    watched = tmp_path / "lecture-notes"
    watched.mkdir()
    library_folder = tmp_path / "my library"

    dialog.data_folder_edit.clear()
    qtbot.keyClicks(dialog.data_folder_edit, str(library_folder))
    dialog.engine_combo.setCurrentIndex(dialog.engine_combo.findData("ollama"))
    dialog.budget_spin.setValue(12.5)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("de"))
    dialog.max_file_mb_spin.setValue(25)
    dialog.max_pages_spin.setValue(300)
    dialog.parse_timeout_spin.setValue(45.0)
    dialog.fetch_timeout_spin.setValue(15.0)
    dialog.host_delay_spin.setValue(2.5)
    dialog.concurrency_spin.setValue(3)
    assert dialog.add_watched_folder(str(watched))
    assert not dialog.add_watched_folder(str(watched))  # no duplicates
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))

    with qtbot.waitSignal(dialog.settings_saved) as saved:
        _ok(dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted

    result = dialog.result_settings()
    assert saved.args[0] == result
    assert result.data_folder == str(library_folder)
    assert result.default_engine == "ollama"
    assert result.monthly_budget_usd == 12.5
    assert result.output_language == "de"
    assert result.limits.max_file_bytes == 25 * MB
    assert result.limits.max_pages == 300
    assert result.limits.parse_timeout_s == 45.0
    assert result.limits.fetch_timeout_s == 15.0
    assert result.web.min_delay_per_host_s == 2.5
    assert result.web.concurrency == 3
    assert result.watched_folders == [str(watched)]
    assert result.theme == "dark"

    assert Settings.load() == result  # what is on disk is what the dialog returned
    assert current_theme(qapp) == "dark" and current_theme_is_dark(qapp)  # applied live


def test_unchanged_values_stay_exact(dialog):
    original = Settings.load()
    _ok(dialog)
    assert dialog.result_settings() == original
    assert Settings.load() == original


def test_cancel_discards(dialog):
    before = paths.settings_path().read_text()
    dialog.budget_spin.setValue(99.0)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    _cancel(dialog)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.result_settings() == Settings()
    assert paths.settings_path().read_text() == before


def test_remove_watched_folder(dialog, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        dialog.add_watched_folder(str(tmp_path / name))
    dialog.watched_list.item(0).setSelected(True)
    dialog.remove_selected_watched_folders()
    assert dialog.watched_folders() == [str(tmp_path / "b")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d, tmp: d.data_folder_edit.setText("relative/folder"), "full path"),
        (lambda d, tmp: d.data_folder_edit.setText(str(_a_file(tmp))), "is a file"),
        (lambda d, tmp: d.language_combo.setEditText("English please"), "“English please” is not a language code"),
        (lambda d, tmp: d.watched_list.addItem(str(tmp / "gone")), "does not exist"),
        (lambda d, tmp: (d.engine_combo.setCurrentIndex(d.engine_combo.findData("cloud")),
                         d.budget_spin.setValue(0)), "budget above $0"),
    ],
)
def test_validation_blocks_ok_with_a_clear_message(dialog, tmp_path, change, expected, monkeypatch):
    from harvest_desktop.ui import settings_dialog

    # As once the features that read them are wired (see SHOWN_GENERATION_SETTINGS).
    monkeypatch.setattr(settings_dialog, "SHOWN_GENERATION_SETTINGS",
                        frozenset({"default_engine", "monthly_budget_usd", "output_language"}))
    before = paths.settings_path().read_text()
    change(dialog, tmp_path)
    _ok(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not dialog.error_label.isHidden()
    assert expected in dialog.error_label.text()
    assert paths.settings_path().read_text() == before


def _a_file(tmp: Path) -> Path:
    path = tmp / "not-a-folder.txt"
    path.write_text("x")
    return path


def test_custom_language_code_is_accepted(dialog):
    dialog.language_combo.setEditText("pt-BR")
    _ok(dialog)
    assert dialog.result_settings().output_language == "pt-BR"


def test_every_control_is_described(dialog):
    interactive = ("QLineEdit", "QComboBox", "QSpinBox", "QDoubleSpinBox", "QListWidget",
                   "QPushButton", "QTabWidget")
    controls = [
        w for w in dialog.findChildren(QWidget)
        if type(w).__name__ in interactive
        and not w.objectName().startswith("qt_")  # parts of a spin box or combo box
        and not isinstance(w.parent(), (QComboBox, QAbstractSpinBox))
    ]
    assert len(controls) >= 15
    for widget in controls:
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
        assert widget.toolTip(), f"{widget.accessibleName()} has no tooltip"


def test_data_folder_section_explains_harvest_home(dialog):
    assert dialog.current_folder_label.text() == str(paths.data_dir())
    note = dialog.data_folder_note.text()
    assert "HARVEST_HOME" in note and "next time" in note


def test_escape_cancels(dialog, qtbot):
    dialog.show()
    dialog.budget_spin.setValue(42)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert Settings.load().monthly_budget_usd == Settings().monthly_budget_usd


def test_ok_updates_the_callers_object_in_place(qtbot):
    shared = Settings()
    dlg = SettingsDialog(shared)
    qtbot.addWidget(dlg)
    dlg.max_pages_spin.setValue(77)
    _ok(dlg)
    assert shared.limits.max_pages == 77  # the window and the library hold this same object
    assert dlg.result_settings() is shared
    assert Settings.load() == shared


def test_cancel_leaves_the_callers_object_alone(qtbot):
    shared = Settings()
    dlg = SettingsDialog(shared)
    qtbot.addWidget(dlg)
    dlg.max_pages_spin.setValue(77)
    _cancel(dlg)
    assert shared == Settings()


def test_the_settings_generation_reads_are_offered_and_nothing_else(qtbot):
    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    dlg.tabs.setCurrentWidget(dlg.generation_page)
    assert dlg.budget_spin.isVisibleTo(dlg) and dlg.language_combo.isVisibleTo(dlg)
    assert not dlg.engine_combo.isVisibleTo(dlg)
    dlg.language_combo.setCurrentIndex(dlg.language_combo.findData("fr"))
    _ok(dlg)
    assert dlg.result_settings().output_language == "fr"


def test_generation_settings_nothing_reads_are_not_offered(qtbot, monkeypatch):
    from harvest_desktop.ui import settings_dialog

    monkeypatch.setattr(settings_dialog, "SHOWN_GENERATION_SETTINGS", frozenset())
    settings = Settings()
    settings.output_language = "not a language"  # a value from an old file must not block saving
    settings.save()
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    tabs = [dlg.tabs.tabText(i).replace("&", "") for i in range(dlg.tabs.count())]
    assert "Generation" not in tabs and "Harvesting" in tabs
    for widget in (dlg.engine_combo, dlg.budget_spin, dlg.language_combo):
        assert not widget.isVisibleTo(dlg)
    _ok(dlg)
    assert dlg.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(settings_dialog, "SHOWN_GENERATION_SETTINGS", frozenset({"default_engine"}))
    shown = SettingsDialog(Settings())
    qtbot.addWidget(shown)
    assert "Generation" in [shown.tabs.tabText(i).replace("&", "") for i in range(shown.tabs.count())]
    shown.tabs.setCurrentWidget(shown.generation_page)
    assert shown.engine_combo.isVisibleTo(shown) and not shown.budget_spin.isVisibleTo(shown)
