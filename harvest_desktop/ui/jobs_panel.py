"""A row per running job: what it is, how far along, and a Cancel button."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from harvest_desktop.core.progress import Progress
from harvest_desktop.ui.ops import Job, JobRunner
from harvest_desktop.ui.text import time_left


class JobRow(QWidget):
    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.label = QLabel(job.title)
        self.label.setAccessibleName(f"Job: {job.title}")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # indeterminate until the first report
        self.bar.setAccessibleName(f"Progress of {job.title}")
        self.bar.setMaximumWidth(220)
        self.detail = QLabel("")
        self.detail.setAccessibleName(f"Details of {job.title}")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName(f"Cancel {job.title}")
        self.cancel_button.setToolTip(f"Stop “{job.title}”; finished items are kept")
        self.cancel_button.clicked.connect(self._cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.detail, 1)
        row.addWidget(self.cancel_button)
        self._start: tuple[float, int] | None = None  # (when, done) of the first report of this stage
        self._total: int | None = None
        self.clock = time.monotonic  # tests replace it
        job.progressed.connect(self._on_progress)

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.detail.setText("Cancelling…")

    def _on_progress(self, p: Progress) -> None:
        if p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(min(p.done, p.total))
        else:
            self.bar.setRange(0, 0)
        if not self.job.token.cancelled:
            self.detail.setText(_elide(self.describe(p)))
            self.detail.setToolTip(p.message)

    def describe(self, p: Progress) -> str:
        """The job's own words, the count if they lack it, and the time left from the rate so far."""
        text = p.message or self.job.title
        if not p.total:
            return text
        now = self.clock()
        if self._start is None or p.done < self._start[1] or p.total != self._total:  # a new stage: a new rate
            self._start = (now, p.done)
            self._total = p.total
        if f"{p.total:,}" not in text and f"{p.total}" not in text:
            text += f" · {p.done:,}/{p.total:,}"
        since, first = self._start
        elapsed, made = now - since, p.done - first
        if made > 0 and elapsed >= 1.0 and p.done < p.total:
            text += " · " + time_left(elapsed / made * (p.total - p.done))
        return text


def _elide(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JobsPanel(QWidget):
    """Lists running jobs; empty when nothing runs."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Running jobs")
        self.rows: dict[int, JobRow] = {}
        self.idle = QLabel("No jobs running.")
        self.idle.setAccessibleName("No jobs running")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.addWidget(self.idle)
        self._layout.addStretch(1)
        runner.job_started.connect(self._add)
        runner.job_finished.connect(self._remove)

    def _add(self, job: Job) -> None:
        if not job.visible:
            return
        row = JobRow(job, self)
        self.rows[id(job)] = row
        self._layout.insertWidget(self._layout.count() - 1, row)
        self.idle.setVisible(False)

    def _remove(self, job: Job) -> None:
        row = self.rows.pop(id(job), None)
        if row is not None:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.idle.setVisible(not self.rows)
