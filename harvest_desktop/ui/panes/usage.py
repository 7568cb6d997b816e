"""The Usage view: what the AI gateway spent, how often the cache answered, how fast; CSV export.

Plots are drawn with QPainter (QtCharts is not in PySide6-Essentials): cost per day as bars,
cache-hit rate and median latency per day as lines.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget


class DayPlot(QWidget):
    """A small plot of one value per day: bars or a line, with the last value written out."""

    def __init__(self, title: str, fmt, *, bars: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.fmt = fmt
        self.bars = bars
        self.points: list[tuple[str, float]] = []
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def set_points(self, points: Sequence[tuple[str, float]]) -> None:
        self.points = list(points)
        last = f"{self.fmt(self.points[-1][1])} on {self.points[-1][0]}" if self.points else "no data yet"
        self.setToolTip(f"{self.title}: {last}")
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        fg = pal.windowText().color()
        accent = pal.highlight().color()
        r = QRectF(self.rect()).adjusted(8, 20, -8, -16)
        p.setPen(fg)
        p.drawText(QRectF(8, 2, self.width() - 16, 16), Qt.AlignmentFlag.AlignLeft, self.title)
        if not self.points:
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "no usage recorded yet")
            return
        top = max(v for _d, v in self.points) or 1.0
        p.drawText(QRectF(8, 2, self.width() - 16, 16), Qt.AlignmentFlag.AlignRight,
                   f"max {self.fmt(top)}")
        axis = QColor(fg)
        axis.setAlpha(90)
        p.setPen(QPen(axis, 1))
        p.drawLine(r.bottomLeft(), r.bottomRight())
        n = len(self.points)
        step = r.width() / max(1, n)
        if self.bars:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(accent)
            for i, (_day, v) in enumerate(self.points):
                h = r.height() * (v / top)
                p.drawRect(QRectF(r.left() + i * step + step * 0.15, r.bottom() - h, step * 0.7, h))
        else:
            p.setPen(QPen(accent, 2))
            pts = [QPointF(r.left() + (i + 0.5) * step, r.bottom() - r.height() * (v / top))
                   for i, (_d, v) in enumerate(self.points)]
            for a, b in zip(pts, pts[1:]):
                p.drawLine(a, b)
            p.setBrush(accent)
            for pt in pts:
                p.drawEllipse(pt, 3, 3)
        p.setPen(fg)
        p.drawText(QRectF(r.left(), r.bottom() + 1, r.width(), 14), Qt.AlignmentFlag.AlignLeft, self.points[0][0])
        if n > 1:
            p.drawText(QRectF(r.left(), r.bottom() + 1, r.width(), 14), Qt.AlignmentFlag.AlignRight,
                       self.points[-1][0])


class UsagePane(QWidget):
    """Reads the ledger on a worker (runner), draws on the UI thread."""

    def __init__(self, runner, library_getter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from harvest_desktop.ai.cost import money

        self.setAccessibleName("Usage")
        self.runner = runner
        self.library = library_getter
        self.summary = QLabel("No usage recorded yet.")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Usage summary")
        self.cost_plot = DayPlot("Cost per day", money, bars=True)
        self.cache_plot = DayPlot("Cache-hit rate", lambda v: f"{v:.0%}", bars=False)
        self.latency_plot = DayPlot("Median latency", lambda v: f"{v:.0f} ms", bars=False)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setAccessibleName("Export usage as CSV")
        self.csv_button.setToolTip("Write the whole usage ledger to a CSV file")
        self.csv_button.clicked.connect(self._export)
        self.ask_path = lambda: QFileDialog.getSaveFileName(self, "Export usage", "harvest-usage.csv",
                                                             "CSV (*.csv)")[0]
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.cost_plot, 1)
        layout.addWidget(self.cache_plot, 1)
        layout.addWidget(self.latency_plot, 1)
        self.rows: list = []
        self.refreshed = 0

    def refresh(self) -> None:
        lib = self.library()
        if lib is None:
            return

        def work(_t, _r):
            from harvest_desktop.ai import ledger

            return ledger.rows(lib.db)

        self.runner.run("Reading usage", work, kind="usage", visible=False, on_success=self.show_rows)

    def show_rows(self, rows) -> None:
        from harvest_desktop.ai import ledger
        from harvest_desktop.ai.cost import money

        self.rows = list(rows)
        days = ledger.daily(self.rows)
        self.cost_plot.set_points([(d, c) for d, c, _r, _l in days])
        self.cache_plot.set_points([(d, r) for d, _c, r, _l in days])
        self.latency_plot.set_points([(d, lat) for d, _c, _r, lat in days])
        if self.rows:
            s = ledger.summary(self.rows)
            text = (f"{s.requests} request(s), {s.cached} from the cache ({s.cache_rate:.0%}); spent {money(s.spent)}")
            if s.estimate_error is not None:
                text += f"; estimates were {s.estimate_error:+.0%} off the recorded cost"
            self.summary.setText(text)
        else:
            self.summary.setText("No usage recorded yet: generate something with a model to see it here.")
        self.csv_button.setEnabled(bool(self.rows))
        self.refreshed += 1

    def _export(self) -> None:
        from pathlib import Path

        from harvest_desktop.ai import ledger

        path = self.ask_path()
        if not path:
            return
        rows = list(self.rows)
        self.runner.run("Exporting usage", lambda t, r: ledger.write_csv(rows, Path(path)), kind="usage")
