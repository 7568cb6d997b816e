"""The Output tab: the rendered output (ui/output_view.py) under a bar that edits it, browses and
restores its versions, and has a model write one of its items again — each change a new version,
the earlier ones kept (services/generation.py). Work runs on the window's JobRunner; the change
feed redraws the output when a new version of it is stored."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QPushButton,
                               QSizePolicy, QSplitter, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

PATH_ROLE = Qt.ItemDataRole.UserRole


class OutputPanel(QWidget):
    def __init__(self, window, view) -> None:
        super().__init__()
        self.window = window
        self.view = view
        self.out = None  # the output shown (its current version)
        self.versions: list = []  # store.models.OutputVersion, oldest first, for self.out
        self.viewing = None  # an earlier OutputVersion shown instead of the current one
        self.labels: list[str] = []  # items a model can write again
        self.openings: list[str] = []  # the words each of those items opens with, as shown

        self.info = QLabel("")
        self.info.setAccessibleName("Output version")
        # Its text never widens the window (the window's size is restored from the last session).
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the text of the output's items; saved as a new version, the old kept")
        self.edit_button.clicked.connect(self.edit)
        self.versions_button = QToolButton()
        self.versions_button.setText("Versions")
        self.versions_button.setToolTip("Every version of this output: view one, restore it")
        self.versions_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.versions_menu = QMenu(self.versions_button)
        self.versions_menu.aboutToShow.connect(lambda: self._fill_versions(self.versions_menu))
        self.versions_button.setMenu(self.versions_menu)
        self.again_button = QToolButton()
        self.again_button.setText("Write again")
        self.again_button.setToolTip("Have the model write one question, card, section or part again (a new version)")
        self.again_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.again_menu = QMenu(self.again_button)
        self.again_menu.aboutToShow.connect(lambda: self._fill_items(self.again_menu))
        self.again_button.setMenu(self.again_menu)
        self.restore_button = QPushButton("Restore this version")
        self.restore_button.setToolTip("Make the version shown current again (as a new version; nothing is lost)")
        self.restore_button.clicked.connect(self.restore_viewed)
        self.restore_button.hide()
        for button, name in ((self.edit_button, "Edit output"), (self.versions_button, "Versions of the output"),
                             (self.again_button, "Write one item again"),
                             (self.restore_button, "Restore this version")):
            button.setAccessibleName(name)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.info, 1)
        for w in (self.restore_button, self.edit_button, self.versions_button, self.again_button):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(view, 1)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        self._set_enabled()

    # -- following the library -----------------------------------------------------------------
    def bind(self, feed) -> None:
        feed.outputs_updated.connect(self._on_outputs)

    def _on_outputs(self, outputs, removed) -> None:
        for o in outputs:
            if self.out is not None and o.id == self.out.id and \
                    (o.content_json != self.out.content_json or o.title != self.out.title):
                self.window.formats.apply_update([o])
                if self.view.stream is not None:
                    continue  # a model is writing into the view: its output shows when it is done
                if self.window.current_output is not None and self.window.current_output.id == o.id:
                    tab = self.window.tabs.currentWidget()
                    self.window.show_output(o.id)  # the new version, drawn where it is shown
                    self.window.tabs.setCurrentWidget(tab)  # without taking the person to it

    def output_shown(self, out) -> None:
        """The window shows this output (None: nothing): buttons, items and versions follow it."""
        self.out, self.viewing = out, None
        self.restore_button.hide()
        self.versions = []
        units = self._item_units(out)
        self.labels, self.openings = [u[0] for u in units], [u[1] for u in units]
        self._set_enabled()
        self.info.setText("")
        if out is None or self.window.library is None:
            return
        lib, oid = self.window.library, out.id
        self.window.runner.run("Reading the versions", lambda _t, _r: lib.generation.versions(oid), kind="versions",
                               visible=False, on_success=lambda vs: self._got_versions(oid, vs))

    def _got_versions(self, oid: int, versions: list) -> None:
        if self.out is None or self.out.id != oid:
            return
        self.versions = versions
        self._set_enabled()
        if self.viewing is None and versions:
            cur = versions[-1]
            self.info.setText(f"Version {cur.number} of {len(versions)} · {cur.note}" if len(versions) > 1
                              else "Version 1")

    @staticmethod
    def _item_units(out) -> list[tuple[str, str]]:
        if out is None:
            return []
        from harvest_desktop.services.routing import item_units

        try:
            return item_units(out.format, json.loads(out.content_json or "{}"))
        except (ValueError, TypeError, KeyError):
            return []

    def item_at(self, pos) -> int | None:
        """The item under a point of the view: the text block there, or the nearest one above it,
        that an item opens with (a paragraph belongs to the section whose heading is above it)."""
        if self.viewing is not None or not self.openings:
            return None
        block = self.view.cursorForPosition(pos).block()
        for _ in range(200):
            if not block.isValid():
                return None
            text = " ".join(block.text().split())
            if text in ("References", "Sources", "Answer key", "Contents"):
                return None  # the back matter belongs to no item
            for i, words in enumerate(self.openings):
                probe = words[:60]
                if probe and len(text) >= 3 and (probe in text or (len(text) >= 12 and text in words)):
                    return i
            block = block.previous()
        return None

    def _set_enabled(self) -> None:
        has = self.out is not None
        self.edit_button.setEnabled(has and self.viewing is None)
        self.versions_button.setEnabled(has and len(self.versions) > 1)
        self.again_button.setEnabled(has and bool(self.labels) and self.viewing is None)

    # -- streaming -------------------------------------------------------------------------------
    def stream_into(self, title: str):
        """A StreamText the worker feeds; the view shows it as it grows (ui/output_view.py)."""
        from harvest_desktop.formats.generative.preview import StreamText

        stream = StreamText()
        self.view.follow(stream, title)
        self.info.setText(f"Writing {title}…")
        self.window.tabs.setCurrentWidget(self)
        return stream

    # -- versions --------------------------------------------------------------------------------
    def _fill_versions(self, menu: QMenu) -> None:
        menu.clear()
        shown = self.viewing.number if self.viewing is not None else (self.versions[-1].number if self.versions else 0)
        for v in reversed(self.versions):
            when = (v.created_at or "")[:16].replace("T", " ")
            text = f"Version {v.number} · {v.note} · {when}" + (" (current)" if v is self.versions[-1] else "")
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(v.number == shown)
            action.triggered.connect(lambda _=False, n=v.number: self.view_version(n))

    def view_version(self, number: int) -> None:
        """Show version `number` (an earlier one read-only, with Restore beside it)."""
        from harvest_desktop.store import models as m

        v = next((x for x in self.versions if x.number == number), None)
        if v is None or self.out is None:
            return
        if v is self.versions[-1]:
            self.window.show_output(self.out.id)
            return
        self.viewing = v
        old = m.Output(id=self.out.id, format=self.out.format, title=v.title, engine=v.engine,
                       route_reason=v.route_reason, created_at=v.created_at, content_json=v.content_json,
                       markdown=v.markdown, source_ids=self.out.source_ids)
        self.view.show_output(old)
        self.info.setText(f"Viewing version {v.number} of {len(self.versions)} ({v.note}), not the current one")
        self.restore_button.show()
        self._set_enabled()
        self.versions_button.setEnabled(True)

    def restore_viewed(self) -> None:
        if self.viewing is None or self.out is None or self.window.library is None:
            return
        lib, oid, n = self.window.library, self.out.id, self.viewing.number
        self.window.runner.run(f"Restoring version {n}", lambda _t, _r: lib.generation.restore(oid, n).output,
                               kind="version", on_success=lambda out: self._changed(out, f"Version {n} is current "
                                                                                         "again (as a new version)."))

    def _changed(self, out, message: str) -> None:
        self.window.formats.apply_update([out])
        self.window.formats.select_output(out)
        self.window.show_output(out.id)
        self.window.statusBar().showMessage(message, 8000)

    # -- edit ------------------------------------------------------------------------------------
    def edit(self) -> None:
        if self.out is None or self.window.library is None or self.viewing is not None:
            return
        lib, out = self.window.library, self.out
        self.window.runner.run("Opening the editor", lambda _t, _r: lib.generation.edit_fields(out.id), kind="version",
                               visible=False, on_success=lambda fields: self._open_editor(out, fields))

    def _open_editor(self, out, fields) -> None:
        if self.out is None or self.out.id != out.id:
            return
        dialog = OutputEditor(fields, out.title, self)
        if not self.window.run_dialog(dialog):
            return
        edits = dialog.edits()
        if not edits:
            return
        lib = self.window.library
        self.window.runner.run(f"Saving your edit of “{out.title}”", lambda _t, _r: lib.generation.edit(out.id, edits).output,
                               kind="version", on_success=lambda new: self._changed(new, "Saved your edit as a new "
                                                                                         "version; the earlier one is kept."))

    # -- one item written again ------------------------------------------------------------------
    def _fill_items(self, menu: QMenu) -> None:
        menu.clear()
        for i, label in enumerate(self.labels):
            action = menu.addAction(label)
            action.triggered.connect(lambda _=False, n=i: self.write_again(n))

    def write_again(self, index: int) -> None:
        """A model writes item `index` again, streamed into the view; the result is a new version."""
        win = self.window
        if self.out is None or win.library is None or not 0 <= index < len(self.labels):
            return
        if win.runner.running("rewrite") or win.runner.running("generate"):
            win.statusBar().showMessage("A model is already writing; wait for it or cancel it.", 5000)
            return
        engine = win.formats.engine() or "auto"
        engine = "auto" if engine == "builtin" else engine
        prefer = win.formats.prefer()
        lib, oid, label = win.library, self.out.id, self.labels[index].split(":")[0]
        stream = self.stream_into(f"{label.lower()} again")
        job = win.runner.run(f"Writing {label.lower()} again",
                             lambda t, r: lib.generation.regenerate_item(oid, index, engine=engine, prefer=prefer,
                                                                         cancel=t, progress=r, on_text=stream).output,
                             kind="rewrite",
                             on_success=lambda out: self._changed(out, f"{label} written again: a new version; "
                                                                       "the earlier one is kept."))
        job.finished.connect(lambda state: self.view.end_stream(stream, state, job.error))

    # -- the view's context menu -----------------------------------------------------------------
    def _context_menu(self, pos) -> None:
        menu = self.context_menu(pos)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def context_menu(self, pos) -> QMenu:
        """The view's menu at `pos`: copy, select all; then the item under it written again, Edit,
        Write again (any item) and Versions."""
        menu = self.view.createStandardContextMenu(pos)
        if self.out is None:
            return menu
        menu.addSeparator()
        here = self.item_at(pos)
        if here is not None and self.again_button.isEnabled():
            label = self.labels[here].split(":")[0]
            this = menu.addAction(f"Write {label.lower()} again")
            this.triggered.connect(lambda _=False, n=here: self.write_again(n))
        edit = menu.addAction("Edit…")
        edit.setEnabled(self.edit_button.isEnabled())
        edit.triggered.connect(self.edit)
        again = menu.addMenu("Write again")
        again.setEnabled(self.again_button.isEnabled())
        self._fill_items(again)
        versions = menu.addMenu("Versions")
        versions.setEnabled(len(self.versions) > 1)
        self._fill_versions(versions)
        return menu


class OutputEditor(QDialog):
    """Every text of an output, item by item: pick one on the left, change it on the right. Citations
    and sources are not editable: an edited item keeps the passages it rests on."""

    def __init__(self, fields, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit “{title}”")
        self.setAccessibleName("Edit output")
        self.fields = {tuple(f.path): f for f in fields}
        self.texts: dict[tuple, str] = {}  # path -> text as changed here
        self.current: tuple | None = None

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Parts of the output")
        groups: dict[str, QTreeWidgetItem] = {}
        first = None
        for f in fields:
            if f.label == f.group:
                node = QTreeWidgetItem([f.label])
                self.tree.addTopLevelItem(node)
            else:
                parent_node = groups.get(f.group)
                if parent_node is None:
                    parent_node = groups[f.group] = QTreeWidgetItem([f.group])
                    self.tree.addTopLevelItem(parent_node)
                node = QTreeWidgetItem([f.label[len(f.group) + 3:] if f.label.startswith(f.group + " · ")
                                        else f.label])
                parent_node.addChild(node)
            node.setData(0, PATH_ROLE, tuple(f.path))
            node.setToolTip(0, f.text[:300])
            first = first or node
        self.tree.expandAll()
        self.label = QLabel("")
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Text")
        self.label.setBuddy(self.editor)
        self.editor.textChanged.connect(self._typed)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.label)
        rl.addWidget(self.editor, 1)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setSizes([260, 460])
        note = QLabel("Your changes are saved as a new version; the current one is kept (Versions). "
                      "Each item keeps its citations.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save as a new version")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(780, 520)
        self.tree.currentItemChanged.connect(self._pick)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _pick(self, node, _previous) -> None:
        path = node.data(0, PATH_ROLE) if node is not None else None
        if path is None:  # a group heading: its first field
            if node is not None and node.childCount():
                self.tree.setCurrentItem(node.child(0))
            return
        self.current = None  # no edit recorded while the editor is filled
        f = self.fields[path]
        self.label.setText(f.label)
        self.editor.setPlainText(self.texts.get(path, f.text))
        self.current = path

    def _typed(self) -> None:
        if self.current is None:
            return
        self.texts[self.current] = self.editor.toPlainText()
        node = self._node(self.current)
        if node is not None:
            font = QFont(node.font(0))
            font.setBold(self.texts[self.current] != self.fields[self.current].text)
            node.setFont(0, font)

    def _node(self, path: tuple):
        for node in self._all_nodes():
            if node.data(0, PATH_ROLE) == path:
                return node
        return None

    def _all_nodes(self):
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            node = stack.pop(0)
            yield node
            stack += [node.child(i) for i in range(node.childCount())]

    def select(self, label: str) -> None:
        """Show the field with this label ("Question 1 · explanation") in the editor."""
        path = next(p for p, f in self.fields.items() if f.label == label)
        self.tree.setCurrentItem(self._node(path))

    def edits(self) -> dict:
        """{path: new text} for every text changed here."""
        return {p: t for p, t in self.texts.items() if t.strip() != self.fields[p].text.strip()}
