"""Preferences: data folder, generation, harvesting limits, watched folders, appearance."""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from harvest_desktop.core import paths
from harvest_desktop.core import settings as settings_mod
from harvest_desktop.core.settings import Settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
ENGINES = (
    ("builtin", "Built-in offline engine (no keys, works now)"),
    ("ollama", "Ollama on this computer"),
    ("cloud", "Cloud models with my own API keys"),
)
# Generation settings appear only once a feature reads them: a control nothing reads would promise
# what Harvest does not do. The gateway reads the monthly budget (a cap that blocks cloud generation
# before anything is sent); model-written formats write in "output_language" (their prompts ask for it); the engine is chosen
# per generation in the Formats pane, so "default_engine" stays hidden.
SHOWN_GENERATION_SETTINGS: frozenset[str] = frozenset({"monthly_budget_usd", "output_language", "ollama_url"})

THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))
LANGUAGES = (
    ("en", "English"), ("de", "German"), ("fr", "French"), ("es", "Spanish"),
    ("it", "Italian"), ("pt", "Portuguese"), ("nl", "Dutch"), ("pl", "Polish"),
    ("sv", "Swedish"), ("ja", "Japanese"), ("zh", "Chinese"), ("ko", "Korean"),
)
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def _describe(widget: QWidget, name: str, tip: str) -> QWidget:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    widget.setAccessibleDescription(tip)
    return widget


class SettingsDialog(QDialog):
    """Edits a copy of the settings; OK validates, saves atomically and updates the given object in
    place; Cancel changes nothing."""

    settings_saved = Signal(object)  # the saved Settings

    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 *, save_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Harvest settings")
        self.setObjectName("settingsDialog")
        self._original = settings
        self._edited = copy.deepcopy(settings)
        self._save_path = save_path
        self._saved = False

        self.tabs = QTabWidget(self)
        general = self._general_tab()
        self.tabs.addTab(general, "&General")
        self._theme_row(general.layout())  # one setting: a row on General, not a tab of its own
        self.generation_page = self._generation_tab()
        if SHOWN_GENERATION_SETTINGS:
            self.tabs.addTab(self.generation_page, "G&eneration")
        else:
            self.generation_page.hide()
        _describe(self.tabs, "Settings sections",
                  ", ".join(self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count()))
                  + " and Harvesting")
        self.tabs.addTab(self._harvesting_tab(), "&Harvesting")

        self.error_label = QLabel(self)
        self.error_label.setObjectName("settingsErrors")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        _describe(self.error_label, "Problems with these settings", "What must be fixed before saving")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _describe(ok, "Save settings", "Check and save these settings")
        _describe(cancel, "Discard changes", "Close without changing anything")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._load_into_widgets(self._edited)
        self.resize(640, 480)

    # -- tabs ---------------------------------------------------------------------------------
    def _general_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)

        self.current_folder_label = QLabel(str(paths.data_dir()), page)
        self.current_folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current_folder_label.setWordWrap(True)
        _describe(self.current_folder_label, "Data folder in use",
                  "Where the library, indexes, logs and crash reports are kept right now")
        form.addRow("In use now:", self.current_folder_label)

        self.data_folder_edit = QLineEdit(page)
        self.data_folder_edit.setPlaceholderText("Default location")
        _describe(self.data_folder_edit, "Data folder",
                  "Folder for the library from the next start; leave empty for the default")
        browse = QPushButton("&Browse…", page)
        _describe(browse, "Choose data folder", "Pick a folder for the library")
        browse.clicked.connect(self._browse_data_folder)
        reset = QPushButton("Use &default", page)
        _describe(reset, "Use default data folder", "Keep the library in the default location")
        reset.clicked.connect(self.data_folder_edit.clear)
        row = QHBoxLayout()
        row.addWidget(self.data_folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(reset)
        folder_label = QLabel("&Data folder:", page)
        folder_label.setBuddy(self.data_folder_edit)
        form.addRow(folder_label, row)

        explain = (
            "Harvest keeps everything it makes in one folder. A new folder takes effect the next "
            "time Harvest starts; move your existing library there yourself if you want it. "
        )
        if settings_mod.home_overridden_by_environment():
            explain += (
                f"The {paths.ENV_HOME} environment variable is set, so it decides the folder "
                "and this setting is ignored while it is set."
            )
        else:
            explain += f"Setting the {paths.ENV_HOME} environment variable overrides this choice."
        self.data_folder_note = QLabel(explain, page)
        self.data_folder_note.setWordWrap(True)
        _describe(self.data_folder_note, "About the data folder", explain)
        form.addRow(self.data_folder_note)
        return page

    def _generation_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.engine_combo = QComboBox(page)
        for key, label in ENGINES:
            self.engine_combo.addItem(label, key)
        _describe(self.engine_combo, "Default engine",
                  "Which engine makes study material unless you pick another one")
        form.addRow("Default &engine:", self.engine_combo)

        self.budget_spin = QDoubleSpinBox(page)
        self.budget_spin.setRange(0.0, 10_000.0)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setSingleStep(1.0)
        self.budget_spin.setPrefix("$ ")
        _describe(self.budget_spin, "Monthly budget in US dollars",
                  "Cloud spending stops at this amount each month; 0 means never spend")
        form.addRow("Monthly &budget:", self.budget_spin)

        self.language_combo = QComboBox(page)
        self.language_combo.setEditable(True)
        self.language_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code, name in LANGUAGES:
            self.language_combo.addItem(f"{code} — {name}", code)
        _describe(self.language_combo, "Output language",
                  "Language of generated material, as a code such as en, de or pt-BR")
        form.addRow("Output &language:", self.language_combo)

        self.ollama_edit = QLineEdit(page)
        self.ollama_edit.setPlaceholderText(_ollama_default())
        self.ollama_edit.setClearButtonEnabled(True)
        _describe(self.ollama_edit, "Ollama server address",
                  "Where your Ollama server answers, e.g. http://127.0.0.1:11434; empty: OLLAMA_HOST or "
                  "this computer. An address, not a secret: it is kept with the settings")
        form.addRow("&Ollama server:", self.ollama_edit)
        for widget, name in ((self.engine_combo, "default_engine"), (self.budget_spin, "monthly_budget_usd"),
                             (self.language_combo, "output_language"), (self.ollama_edit, "ollama_url")):
            form.setRowVisible(widget, self.shows(name))
        return page

    @staticmethod
    def shows(name: str) -> bool:
        """Is the generation setting `name` offered (does a feature read it yet)?"""
        return name in SHOWN_GENERATION_SETTINGS

    def _harvesting_tab(self) -> QWidget:
        page = QWidget(self)
        outer = QVBoxLayout(page)
        form = QFormLayout()
        outer.addLayout(form)

        def spin(name: str, tip: str, lo: int, hi: int, suffix: str = "") -> QSpinBox:
            box = QSpinBox(page)
            box.setRange(lo, hi)
            box.setSuffix(suffix)
            box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
            _describe(box, name, tip)
            return box

        def dspin(name: str, tip: str, lo: float, hi: float, suffix: str) -> QDoubleSpinBox:
            box = QDoubleSpinBox(page)
            box.setRange(lo, hi)
            box.setDecimals(1)
            box.setSuffix(suffix)
            _describe(box, name, tip)
            return box

        self.max_file_mb_spin = spin("Largest file in megabytes",
                                     "Files bigger than this are skipped with a message", 1, 10_240, " MB")
        self.max_pages_spin = spin("Most pages per document",
                                   "Longer documents stop at this many pages", 1, 100_000)
        self.parse_timeout_spin = dspin("Reading time limit in seconds",
                                        "Give up reading one file after this long", 1.0, 3600.0, " s")
        self.fetch_timeout_spin = dspin("Download time limit in seconds",
                                        "Give up on one web page after this long", 1.0, 600.0, " s")
        self.host_delay_spin = dspin("Pause between requests to one site in seconds",
                                     "Be polite to websites: wait this long between their pages",
                                     0.0, 60.0, " s")
        self.concurrency_spin = spin("Downloads at once",
                                     "How many web pages are fetched at the same time", 1, 64)
        form.addRow("Largest &file:", self.max_file_mb_spin)
        form.addRow("Most &pages:", self.max_pages_spin)
        form.addRow("&Reading time limit:", self.parse_timeout_spin)
        form.addRow("Do&wnload time limit:", self.fetch_timeout_spin)
        form.addRow("Pause per &site:", self.host_delay_spin)
        form.addRow("Downloads at &once:", self.concurrency_spin)

        watched_label = QLabel("&Watched folders (new files there are harvested automatically):", page)
        self.watched_list = QListWidget(page)
        self.watched_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        _describe(self.watched_list, "Watched folders", "Folders Harvest watches for new files")
        watched_label.setBuddy(self.watched_list)
        add = QPushButton("&Add folder…", page)
        _describe(add, "Add watched folder", "Choose a folder to watch for new files")
        add.clicked.connect(self._browse_watched_folder)
        self.remove_watched_button = QPushButton("Re&move", page)
        _describe(self.remove_watched_button, "Remove watched folder",
                  "Stop watching the selected folders (their files stay in the library)")
        self.remove_watched_button.clicked.connect(self.remove_selected_watched_folders)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_watched_button)
        buttons.addStretch(1)
        outer.addWidget(watched_label)
        outer.addWidget(self.watched_list, 1)
        outer.addLayout(buttons)
        return page

    def _theme_row(self, form: QFormLayout) -> None:
        self.theme_combo = QComboBox(form.parentWidget())
        for key, label in THEMES:
            self.theme_combo.addItem(label, key)
        _describe(self.theme_combo, "Theme", "Light, dark, or follow the system setting; applied on OK")
        form.addRow("&Theme:", self.theme_combo)

    # -- values in and out --------------------------------------------------------------------
    def _load_into_widgets(self, s: Settings) -> None:
        self.data_folder_edit.setText(s.data_folder)
        _select(self.engine_combo, s.default_engine)
        self.budget_spin.setValue(s.monthly_budget_usd)
        if not _select(self.language_combo, s.output_language):
            self.language_combo.setEditText(s.output_language)
        self.max_file_mb_spin.setValue(max(1, round(s.limits.max_file_bytes / MB)))
        self.max_pages_spin.setValue(s.limits.max_pages)
        self.parse_timeout_spin.setValue(s.limits.parse_timeout_s)
        self.fetch_timeout_spin.setValue(s.limits.fetch_timeout_s)
        self.host_delay_spin.setValue(s.web.min_delay_per_host_s)
        self.concurrency_spin.setValue(s.web.concurrency)
        self.watched_list.clear()
        for folder in s.watched_folders:
            self.watched_list.addItem(folder)
        _select(self.theme_combo, s.theme)
        self.ollama_edit.setText(s.ollama_url)

    def _language_code(self) -> str:
        text = self.language_combo.currentText().strip()
        index = self.language_combo.findText(text)
        if index >= 0:
            return str(self.language_combo.itemData(index))
        return text.split(" — ")[0].strip()  # "de — German" typed out in full counts too

    def watched_folders(self) -> list[str]:
        return [self.watched_list.item(i).text() for i in range(self.watched_list.count())]

    def _collect(self) -> Settings:
        s = copy.deepcopy(self._edited)
        s.data_folder = self.data_folder_edit.text().strip()
        s.default_engine = str(self.engine_combo.currentData())
        s.monthly_budget_usd = round(float(self.budget_spin.value()), 2)
        s.output_language = self._language_code()
        new_mb = self.max_file_mb_spin.value()
        if new_mb != max(1, round(s.limits.max_file_bytes / MB)):
            s.limits.max_file_bytes = new_mb * MB  # unchanged stays byte-exact
        s.limits.max_pages = self.max_pages_spin.value()
        s.limits.parse_timeout_s = float(self.parse_timeout_spin.value())
        s.limits.fetch_timeout_s = float(self.fetch_timeout_spin.value())
        s.web.min_delay_per_host_s = float(self.host_delay_spin.value())
        s.web.concurrency = self.concurrency_spin.value()
        s.watched_folders = self.watched_folders()
        s.theme = str(self.theme_combo.currentData())
        s.ollama_url = self.ollama_edit.text().strip().rstrip("/")
        return s

    def validation_errors(self) -> list[tuple[QWidget, str]]:
        """Each problem with the widget to fix; empty when the settings can be saved."""
        problems: list[tuple[QWidget, str]] = []
        folder = self.data_folder_edit.text().strip()
        if folder:
            path = Path(folder).expanduser()
            if not path.is_absolute():
                problems.append((self.data_folder_edit, "The data folder must be a full path, "
                                 "for example /home/me/Harvest."))
            elif path.exists() and not path.is_dir():
                problems.append((self.data_folder_edit, f"{path} is a file, not a folder."))
            elif not _writable(path):
                problems.append((self.data_folder_edit,
                                 f"Harvest cannot write to {path}. Choose a folder you own."))
        code = self._language_code()
        if self.shows("output_language") and not _LANGUAGE_CODE.match(code):
            problems.append((self.language_combo, f"“{code}” is not a language code. Use a code "
                             "such as en, de or pt-BR."))
        address = self.ollama_edit.text().strip()
        if address:
            from harvest_desktop.ai.keys import check_address
            from harvest_desktop.core.errors import KnownError

            try:
                check_address(address)
            except KnownError:
                problems.append((self.ollama_edit, f"“{address}” is not an address. Type one such as "
                                 "http://127.0.0.1:11434, or leave it empty for this computer."))
        for folder in self.watched_folders():
            if not Path(folder).is_dir():
                problems.append((self.watched_list, f"The watched folder {folder} does not exist. "
                                 "Remove it or create it."))
        if (self.shows("default_engine") and self.shows("monthly_budget_usd")
                and self.engine_combo.currentData() == "cloud" and self.budget_spin.value() == 0):
            problems.append((self.budget_spin, "Cloud generation needs a monthly budget above $0. "
                             "Raise the budget or choose another engine."))
        return problems

    # -- actions ------------------------------------------------------------------------------
    def add_watched_folder(self, folder: str) -> bool:
        """Add a folder to the watch list; False when it is already there or not a folder."""
        path = str(Path(folder).expanduser())
        if not Path(path).is_dir() or path in self.watched_folders():
            return False
        self.watched_list.addItem(path)
        return True

    def remove_selected_watched_folders(self) -> None:
        for item in self.watched_list.selectedItems():
            self.watched_list.takeItem(self.watched_list.row(item))

    def _browse_watched_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder")
        if folder:
            self.add_watched_folder(folder)

    def _browse_data_folder(self) -> None:
        start = self.data_folder_edit.text().strip() or str(paths.data_dir())
        folder = QFileDialog.getExistingDirectory(self, "Folder for the Harvest library", start)
        if folder:
            self.data_folder_edit.setText(folder)

    def accept(self) -> None:
        problems = self.validation_errors()
        if problems:
            self._show_problems(problems)
            return
        edited = self._collect()
        folder_changed = edited.data_folder != self._original.data_folder
        try:
            edited.save(self._save_path)
            if folder_changed and self._save_path is None:
                settings_mod.remember_data_folder(edited.data_folder)
        except OSError as exc:
            self._show_problems([(self.buttons, f"Could not save the settings: {exc}. "
                                  "Check that the data folder is writable and has free space.")])
            return
        # Update the caller's object in place too: the window and the library share it.
        for f in dataclasses.fields(Settings):
            setattr(self._original, f.name, getattr(edited, f.name))
        self._edited = edited
        self._saved = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            from harvest_desktop.ui.theme import apply_theme

            apply_theme(app, edited.theme)
        self.settings_saved.emit(edited)
        super().accept()

    def _show_problems(self, problems: list[tuple[QWidget, str]]) -> None:
        dark = self.palette().color(self.backgroundRole()).lightness() < 128
        self.error_label.setStyleSheet(f"color: {'#ff8a80' if dark else '#b3261e'}; font-weight: bold;")
        self.error_label.setText("\n".join(message for _, message in problems))
        self.error_label.show()
        widget = problems[0][0]
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
                break
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def result_settings(self) -> Settings:
        """The settings as saved on OK (the same object that was passed in, now updated);
        an unchanged copy of the original after Cancel."""
        return self._original if self._saved else copy.deepcopy(self._original)


def _select(combo: QComboBox, key: str) -> bool:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
        return True
    return False


def _writable(path: Path) -> bool:
    """True if the folder exists and is writable, or could be created under a writable parent."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def _ollama_default() -> str:
    """What an empty Ollama address means here: OLLAMA_HOST, or this computer's default."""
    import os

    from harvest_desktop.ai.keys import DEFAULT_OLLAMA_URL

    return os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_URL
