"""Concepts with their definitions, and a zoomable concept map that exports to PNG and SVG."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QKeySequence, QPainter, QPalette, QPen, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QGraphicsScene, QGraphicsView, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QSplitter, QToolButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)


@dataclass
class ConceptData:
    """What the worker computes: rows for the table and a laid-out map (plain data, no Qt)."""

    concepts: list[tuple[str, str, str]]  # term, definition, citation
    nodes: dict[str, tuple[float, float]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # from, to, label
    note: str = ""
    graph: Any = None  # the ConceptGraph the map files are written from (understand/concept_map.py)


def concept_data(analysis) -> ConceptData:
    """The view model of a ConceptAnalysis (services/concepts.py): the same layout `harvest concepts --map` draws."""
    rows = [(c.term, c.definition or "", c.citation.cite() if c.citation else "") for c in analysis.concepts]
    graph = analysis.graph
    nodes = {n.term: (n.x, n.y) for n in graph.nodes} if graph is not None else {}
    edges = [(e.source, e.target, e.label) for e in graph.edges] if graph is not None else []
    edges = [e for e in edges if e[0] in nodes and e[1] in nodes]
    return ConceptData(rows, nodes, edges, analysis.note, graph)


def compute_concepts(library, cancel, report) -> ConceptData:
    """Runs on a worker thread: the library's one concept pipeline, turned into what the pane draws."""
    return concept_data(library.concepts.analyse(cancel=cancel, progress=report))


class ConceptMapView(QGraphicsView):
    """The map: wheel or Ctrl +/- to zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setAccessibleName("Concept map")
        self.setToolTip("Concepts and how they relate; wheel or Ctrl +/- to zoom, drag to pan")
        self.zoom = 1.0
        self.boxes: dict[str, Any] = {}  # term -> its box on the map
        self.lines: list[tuple[str, str, Any]] = []  # from, to, line item
        self.highlighted: str | None = None
        self.fitted = True
        for keys, factor in ((QKeySequence.StandardKey.ZoomIn, 1.25), (QKeySequence.StandardKey.ZoomOut, 0.8),
                             ("Ctrl+=", 1.25)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda f=factor: self.zoom_by(f))

    def zoom_by(self, factor: float) -> None:
        new = min(8.0, max(0.1, self.zoom * factor))
        factor = new / self.zoom
        self.zoom = new
        self.fitted = False  # the person chose a zoom: resizing keeps it
        self.scale(factor, factor)

    def fit(self) -> None:
        """Fit the whole map into the view (the zoom the buttons and the wheel start from)."""
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.resetTransform()
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom = self.transform().m11()
        self.fitted = True
        if self.zoom > 1.5:  # a small map is not blown up past readable
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.zoom = 1.5
            self.centerOn(rect.center())

    def highlight(self, term: str | None) -> None:
        """Mark one concept's box and the lines that touch it; the rest fade back."""
        self.highlighted = term if term in self.boxes else None
        for name, box in self.boxes.items():
            on = name == self.highlighted
            box.setPen(self._node_pen(on))
            box.setBrush(QBrush(QColor("#ffd966" if on else "#e7effa")))
        for a, b, line in self.lines:
            on = self.highlighted in (a, b)
            line.setPen(self._edge_pen(on))
            line.setZValue(0.5 if on else 0)
        if self.highlighted is not None:
            self.ensureVisible(self.boxes[self.highlighted], 40, 40)

    def _node_pen(self, on: bool = False) -> QPen:
        return QPen(QColor("#c55a11" if on else "#2d5b9a"), 3 if on else 1.5)

    def _edge_pen(self, on: bool = False) -> QPen:
        return QPen(QColor("#c55a11") if on else self._muted(), 3 if on else 1.5)

    def _muted(self) -> QColor:
        """Lines and their labels in a colour that reads on the view's own background (light or dark)."""
        text = self.palette().color(QPalette.ColorRole.Text)
        base = self.palette().color(QPalette.ColorRole.Base)
        return QColor((text.red() * 3 + base.red()) // 4, (text.green() * 3 + base.green()) // 4,
                      (text.blue() * 3 + base.blue()) // 4)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.fitted and not self.scene().sceneRect().isEmpty():
            self.fit()

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.15 if delta > 0 else 1 / 1.15)
        event.accept()

    def draw(self, data: ConceptData) -> None:
        scene = self.scene()
        scene.clear()
        font = QFont()
        font.setPointSize(10)
        small = QFont()
        small.setPointSize(8)
        self.boxes, self.lines, self.highlighted = {}, [], None
        edge_pen = self._edge_pen()
        label_brush = QBrush(self._muted())
        for a, b, label in data.edges:
            (x1, y1), (x2, y2) = data.nodes[a], data.nodes[b]
            self.lines.append((a, b, scene.addLine(x1, y1, x2, y2, edge_pen)))
            if label:
                text = scene.addSimpleText(label, small)
                text.setBrush(label_brush)
                r = text.boundingRect()
                text.setPos((x1 + x2) / 2 - r.width() / 2, (y1 + y2) / 2 - r.height() / 2)
        node_pen = self._node_pen()
        node_brush = QBrush(QColor("#e7effa"))
        for term, (x, y) in data.nodes.items():
            text = scene.addSimpleText(term, font)
            text.setBrush(QBrush(QColor("#1b2a41")))  # dark on the light box, in either theme
            r = text.boundingRect()
            box = QRectF(x - r.width() / 2 - 8, y - r.height() / 2 - 5, r.width() + 16, r.height() + 10)
            ellipse = scene.addRect(box, node_pen, node_brush)
            ellipse.setToolTip(term)
            self.boxes[term] = ellipse
            text.setZValue(2)
            ellipse.setZValue(1)
            text.setPos(QPointF(x - r.width() / 2, y - r.height() / 2))
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))

    def export_png(self, path: Path) -> Path:
        scene = self.scene()
        rect = scene.sceneRect()
        image = QImage(QSize(max(1, int(rect.width() * 2)), max(1, int(rect.height() * 2))),
                       QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        if not image.save(str(path), "PNG"):
            from harvest_desktop.core.errors import KnownError

            raise KnownError(f"{path}: could not write the image", hint="choose a folder you can write to")
        return path

    def export_svg(self, path: Path) -> Path:
        from PySide6.QtSvg import QSvgGenerator

        scene = self.scene()
        rect = scene.sceneRect()
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(QSize(int(rect.width()), int(rect.height())))
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle("Harvest concept map")
        painter = QPainter(gen)
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        return path


def _tool(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


class ConceptsPane(QWidget):
    find_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Concepts pane")
        self.find_button = QPushButton("Find concepts")
        self.find_button.setAccessibleName("Find concepts")
        self.find_button.setToolTip("Find the key concepts in every ready source and map how they relate")
        self.find_button.clicked.connect(self.find_requested)
        self.fit_button = _tool("Fit")
        self.fit_button.setAccessibleName("Fit the concept map")
        self.fit_button.setToolTip("Show the whole concept map (Ctrl+0)")
        self.png_button = _tool("PNG…")
        self.png_button.setAccessibleName("Export concept map as PNG")
        self.png_button.setToolTip("Save the concept map as a PNG image")
        self.png_button.clicked.connect(lambda: self._export("png"))
        self.svg_button = _tool("SVG…")
        self.svg_button.setAccessibleName("Export concept map as SVG")
        self.svg_button.setToolTip("Save the concept map as an SVG drawing")
        self.svg_button.clicked.connect(lambda: self._export("svg"))
        self.zoom_in = _tool("+")
        self.zoom_in.setAccessibleName("Zoom in")
        self.zoom_in.setToolTip("Zoom in (Ctrl++)")
        self.zoom_out = _tool("−")
        self.zoom_out.setAccessibleName("Zoom out")
        self.zoom_out.setToolTip("Zoom out (Ctrl+-)")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Concepts note")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Concept", "Definition", "Source"])
        self.table.setAccessibleName("Concepts")
        self.table.setToolTip("Key concepts with a defining sentence from your sources")
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the definition gets the room
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.table.itemSelectionChanged.connect(self._on_concept_selected)
        self.table.viewport().installEventFilter(self)  # the definition keeps most of the width
        self.map = ConceptMapView()
        self.fit_button.clicked.connect(self.map.fit)
        fit_key = QShortcut(QKeySequence("Ctrl+0"), self)
        fit_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        fit_key.activated.connect(self.map.fit)
        self.zoom_in.clicked.connect(lambda: self.map.zoom_by(1.25))
        self.zoom_out.clicked.connect(lambda: self.map.zoom_by(0.8))
        top = QHBoxLayout()
        for w in (self.find_button, self.fit_button, self.zoom_in, self.zoom_out):
            top.addWidget(w)
        top.addStretch(1)
        for w in (self.png_button, self.svg_button):
            top.addWidget(w)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)  # neither half can vanish behind the divider
        split.addWidget(self.table)
        split.addWidget(self.map)
        self.table.setMinimumHeight(90)
        self.map.setMinimumHeight(160)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        self.split = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        self.data: ConceptData | None = None
        self._enable_export(False)

    def _enable_export(self, on: bool) -> None:
        self.png_button.setEnabled(on)
        self.svg_button.setEnabled(on)

    def bind(self, feed) -> None:
        """Say when the shown concepts no longer match the library (ui/changes.py)."""
        feed.changed.connect(self.apply_changes)

    def apply_changes(self, changes) -> None:
        if changes.concepts and self.data is not None and self.data.concepts:
            self.note.setText("Your sources changed since these concepts were found; "
                              "press Find concepts to update them.")

    def show_data(self, data: ConceptData) -> None:
        self.data = data
        self.table.setRowCount(len(data.concepts))
        for row, (term, definition, cite) in enumerate(data.concepts):
            for col, value in enumerate((term, definition or "(no definition found in the sources)", cite)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, col, item)
        self._share_columns(self.table.viewport().width())
        total = sum(self.split.sizes())
        if total > 0:  # the map gets the room: it is what was asked for
            self.split.setSizes([total // 3, total - total // 3])
        self.map.draw(data)
        self.map.fit()
        self.note.setText(data.note)
        self._enable_export(bool(data.nodes))

    def _share_columns(self, width: int) -> None:
        """Concept and source take what they need up to a share; the definition gets the rest."""
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, max(70, min(self.table.columnWidth(0), int(width * 0.25))))
        self.table.setColumnWidth(2, max(90, min(220, int(width * 0.26))))
        self.table.resizeRowsToContents()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize and self.table.rowCount():
            if abs(event.size().width() - event.oldSize().width()) > 8:
                self._share_columns(event.size().width())
        return super().eventFilter(watched, event)

    def _on_concept_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        self.map.highlight(item.text() if item is not None else None)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        sizes = self.split.sizes()
        if sum(sizes) > 0 and min(sizes) < 60:  # a restored or squeezed divider: give both halves room
            total = sum(sizes)
            self.split.setSizes([total // 3, total - total // 3])
        if self.data is not None:
            self.map.fit()

    def _export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export concept map as {kind.upper()}",
                                              f"concept-map.{kind}", f"{kind.upper()} (*.{kind})")
        if path:
            self.export_map(Path(path).with_suffix(f".{kind}"))

    def export_map(self, path: Path) -> Path:
        """Write the map as `harvest concepts --map` does (same layout, same renderer)."""
        if self.data is not None and self.data.graph is not None:
            from harvest_desktop.services.concepts import write_graph

            return write_graph(self.data.graph, path)
        return (self.map.export_png if path.suffix.lower() == ".png" else self.map.export_svg)(path)
