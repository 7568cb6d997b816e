"""The Formats pane: choose what to make, see which engine will make it, and generate."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from harvest_desktop.formats import registry
from harvest_desktop.ui.text import human_time

KEY_ROLE = Qt.ItemDataRole.UserRole
ENGINES = (("auto", "Automatic: the router decides"), ("builtin", "Built-in engine (offline)"),
           ("ollama", "Ollama"), ("openai", "OpenAI"), ("anthropic", "Anthropic"), ("gemini", "Google Gemini"))
PREFERENCES = (("balanced", "Balanced"), ("cost", "Lowest cost"), ("quality", "Best quality"),
               ("local", "Local only"), ("offline", "Offline"))


class FormatsPane(QWidget):
    generate_requested = Signal(str)  # format key
    route_requested = Signal(str, str, str)  # format key, engine, preference: the window works out the route
    output_selected = Signal(object)  # output id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Formats pane")
        self.list = QListWidget()
        self.list.setAccessibleName("Formats")
        self.list.setToolTip("What to make from your library")
        for spec in registry.FORMATS:
            label = spec.label + ("  (needs a model)" if spec.needs_model else "")
            item = QListWidgetItem(label)
            item.setData(KEY_ROLE, spec.key)
            item.setToolTip(spec.description)
            self.list.addItem(item)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setAccessibleName("Format description")
        self.route = QLabel()
        self.route.setWordWrap(True)
        self.route.setAccessibleName("Route")
        self.route.setToolTip("Which engine will make this format, why, and what it will cost at most")
        self.engine_combo = QComboBox()
        self.engine_combo.setAccessibleName("Engine")
        self.engine_combo.setToolTip("Override the router: make this format with a chosen engine")
        for key, label in ENGINES:
            self.engine_combo.addItem(label, key)
        try:
            from harvest_desktop.ai import keys

            for ep in keys.endpoints():
                self.engine_combo.addItem(f"Server {ep.name}", ep.name)
        except Exception:  # a broken endpoints file is reported where it is used
            pass
        self.prefer_combo = QComboBox()
        self.prefer_combo.setAccessibleName("Preference")
        self.prefer_combo.setToolTip("What matters most when the router decides")
        for key, label in PREFERENCES:
            self.prefer_combo.addItem(label, key)
        self.engine_combo.currentIndexChanged.connect(lambda *_: self._update())
        self.prefer_combo.currentIndexChanged.connect(lambda *_: self._update())
        self.route_ok = True
        # What to make: how many items, which question types, which chapters (the CLI's --count,
        # --types and --chapter).
        self.count = QSpinBox()
        self.count.setRange(0, 1000)
        self.count.setSpecialValueText("default")
        self.count.setAccessibleName("How many")
        self.count.setToolTip("How many questions, cards, points or FAQ items (default: the format decides)")
        self.chapters = QLineEdit()
        self.chapters.setPlaceholderText("all chapters (e.g. 3, 7 or a title)")
        self.chapters.setAccessibleName("Chapters")
        self.chapters.setToolTip("Only these chapters, by number or title, separated by commas")
        self.type_boxes: dict[str, QCheckBox] = {}
        types_row = QHBoxLayout()
        for key, label in (("mcq", "Multiple choice"), ("tf", "True/false"), ("cloze", "Fill in"),
                           ("matching", "Matching")):
            box = QCheckBox(label)
            box.setChecked(True)
            box.setAccessibleName(f"Question type {label}")
            self.type_boxes[key] = box
            types_row.addWidget(box)
        self.types_widget = QWidget()
        self.types_widget.setLayout(types_row)
        types_row.setContentsMargins(0, 0, 0, 0)
        self.options_form = QFormLayout()
        self.options_form.addRow("How many:", self.count)
        self.options_form.addRow("Chapters:", self.chapters)
        self.options_form.addRow(self.types_widget)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setAccessibleName("Generate")
        self.generate_button.setToolTip("Make the selected format from the ticked sources (Ctrl+G)")
        self.generate_button.clicked.connect(self._generate)
        self.outputs_label = QLabel("Made so far:")
        self.outputs = QListWidget()
        self.outputs.setAccessibleName("Generated outputs")
        self.outputs.setToolTip("Everything generated so far; select one to preview or export it")
        self.outputs.currentItemChanged.connect(self._on_output)
        self.outputs_label.setBuddy(self.outputs)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addWidget(self.description)
        choose = QHBoxLayout()
        choose.addWidget(self.engine_combo, 2)
        choose.addWidget(self.prefer_combo, 1)
        layout.addLayout(choose)
        layout.addWidget(self.route)
        layout.addLayout(self.options_form)
        layout.addWidget(self.generate_button)
        layout.addWidget(self.outputs_label)
        layout.addWidget(self.outputs, 1)
        self.output_rows: dict[int, object] = {}  # output id -> Output, as the change feed delivers them
        self.ready = False  # at least one ready source is ticked in the Sources pane
        self.busy = False
        self.list.currentItemChanged.connect(lambda *_: self._update())
        self.list.setCurrentRow(0)

    def options(self) -> dict:
        """count / types / chapters for the selected format, as `harvest generate` takes them."""
        opts: dict = {}
        if self.count.value() > 0:
            opts["count"] = self.count.value()
        chapters = [c.strip() for c in self.chapters.text().split(",") if c.strip()]
        if chapters:
            opts["chapters"] = chapters
        if self.current_key() == "quiz":
            chosen = [k for k, box in self.type_boxes.items() if box.isChecked()]
            if chosen and len(chosen) < len(self.type_boxes):
                opts["types"] = ",".join(chosen)
        return opts

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    def select_format(self, key: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(KEY_ROLE) == key:
                self.list.setCurrentRow(i)
                return

    def set_state(self, *, ready: bool | None = None, busy: bool | None = None) -> None:
        changed = ready is not None and ready != self.ready
        if ready is not None:
            self.ready = ready
        if busy is not None:
            self.busy = busy
        if changed:
            self._update()  # other sources: another estimate
        else:
            self._update_button()

    def refresh_route(self) -> None:
        """Work the route out again (keys, servers, budget or health may have changed)."""
        self._update()

    def engine(self) -> str:
        return str(self.engine_combo.currentData() or "auto")

    def prefer(self) -> str:
        return str(self.prefer_combo.currentData() or "balanced")

    def show_route(self, text: str, ok: bool) -> None:
        """The route and its reason in one line (worked out by the window, off the UI thread)."""
        self.route_ok = ok
        self.route.setText(text)
        self._update_button()

    def _update(self) -> None:
        key = self.current_key()
        if key is None:
            self.generate_button.setEnabled(False)
            return
        spec = registry.get_format(key)
        self.description.setText(spec.description)
        self.types_widget.setVisible(key == "quiz")
        if spec.needs_model or self.engine() not in ("auto", "builtin"):
            self.route.setText("Working out the route…")
        else:
            self.route.setText("Built-in offline engine: runs on this computer, needs no keys or network, "
                               "costs nothing. Text is taken from your sources and cited.")
        self.route_requested.emit(key, self.engine(), self.prefer())
        self._update_button()

    def _update_button(self) -> None:
        key = self.current_key()
        if key is None:
            return
        spec = registry.get_format(key)
        enabled = not self.busy and self.route_ok and self.ready  # nothing to make from: disabled
        self.generate_button.setEnabled(enabled)
        if not self.route_ok:
            self.generate_button.setToolTip(f"{spec.label}: no route can make it now (see the line above)")
        elif not self.ready:
            self.generate_button.setToolTip("Add sources (or tick one in the Sources pane) first; Generate uses "
                                            "the ticked ready sources (Ctrl+G)")
        else:
            self.generate_button.setToolTip("Make the selected format from the ticked sources (Ctrl+G)")

    def _generate(self) -> None:
        key = self.current_key()
        if key is not None:
            self.generate_requested.emit(key)

    # -- outputs ------------------------------------------------------------------------------
    def bind(self, feed) -> None:
        """Follow the library: outputs appear here as soon as they are stored (ui/changes.py)."""
        feed.outputs_updated.connect(self.apply_update)

    def apply_update(self, outputs, removed=()) -> None:
        for output_id in removed:
            self.output_rows.pop(output_id, None)
            item = self._item_for(output_id)
            if item is not None:
                self.outputs.takeItem(self.outputs.row(item))
        for out in outputs:
            known = out.id in self.output_rows
            self.output_rows[out.id] = out
            if not known:
                self._add_output_item(out, at=0)
            elif (item := self._item_for(out.id)) is not None:  # a new version: its title may have changed
                item.setText(f"{out.title}  ·  {human_time(out.created_at)}")

    def _item_for(self, output_id: int) -> QListWidgetItem | None:
        for i in range(self.outputs.count()):
            if self.outputs.item(i).data(KEY_ROLE) == output_id:
                return self.outputs.item(i)
        return None

    def set_outputs(self, outputs) -> None:
        self.outputs.blockSignals(True)
        self.outputs.clear()
        self.output_rows = {}
        for out in outputs:
            self.output_rows[out.id] = out
            self._add_output_item(out)
        self.outputs.blockSignals(False)

    def _add_output_item(self, out, at: int | None = None) -> QListWidgetItem:
        item = QListWidgetItem(f"{out.title}  ·  {human_time(out.created_at)}")
        item.setData(KEY_ROLE, out.id)
        item.setToolTip(f"{out.format} by {out.engine}")
        if at is None:
            self.outputs.addItem(item)
        else:
            self.outputs.insertItem(at, item)
        return item

    def select_output(self, out) -> None:
        """Select (and so preview) an output, adding it first if the feed has not yet."""
        self.apply_update([out])
        item = self._item_for(out.id)
        if item is not None:
            self.outputs.setCurrentItem(item)

    def current_output_id(self) -> int | None:
        item = self.outputs.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    def _on_output(self, current, _previous) -> None:
        self.output_selected.emit(current.data(KEY_ROLE) if current is not None else None)
