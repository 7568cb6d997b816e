"""The generated output, rendered from its structured content: every citation is a link that opens
its source at the page (passage highlighted), quiz answers stay hidden until asked for, and lines
keep a readable width on a wide window. While a model writes, it shows the text as it streams
(`follow`), redrawn on a timer so the window never waits on the worker, and leaves the partial text
and a clear message when the run fails or is cancelled (`end_stream`)."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

READABLE_WIDTH = 760  # px: about 90 characters of body text
STREAM_REDRAW_MS = 120  # the streamed text is redrawn at most this often (the worker never waits on it)
STREAM_TAIL_CHARS = 4000  # while streaming, the latest text only: a redraw's cost stays bounded


class OutputView(QTextBrowser):
    citation_clicked = Signal(object)  # formats.schema.Citation

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Generated output")
        self.setToolTip("The selected output; click a citation number to open its source at that page")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.out = None
        self.references: dict[int, object] = {}
        self.show_answers = False
        self.stream = None  # formats.generative.preview.StreamText being shown, while a model writes
        self._stream_title = ""
        self._drawn = -1
        self.first_shown_at: float | None = None  # perf_counter() when the first streamed text was drawn
        self._timer = QTimer(self)
        self._timer.setInterval(STREAM_REDRAW_MS)
        self._timer.timeout.connect(self._draw_stream)

    def show_output(self, out) -> None:
        self._stop_stream()
        self.out = out
        self.show_answers = False
        self._render()

    def clear(self) -> None:  # noqa: D401 (QTextBrowser override)
        self._stop_stream()
        self.out = None
        self.references = {}
        super().clear()

    # -- the text as a model writes it -------------------------------------------------------------
    def follow(self, stream, title: str) -> None:
        """Show `stream` (a StreamText the worker feeds) as it grows, until the output or an end comes."""
        self.out = None
        self.references = {}
        self.stream, self._stream_title, self._drawn = stream, title, -1
        self.first_shown_at = None
        self._timer.setInterval(STREAM_REDRAW_MS)
        self.setMarkdown(f"*Writing {title}…*")
        self._timer.start()

    def _draw_stream(self, note: str = "") -> None:
        stream = self.stream
        if stream is None or (stream.version == self._drawn and not note):
            return
        self._drawn = stream.version
        started = time.perf_counter()
        text = stream.markdown()
        if len(text) > STREAM_TAIL_CHARS and not note:  # the whole text comes with the finished output
            cut = text.find("\n\n", len(text) - STREAM_TAIL_CHARS)
            text = "*… (earlier text is kept; only the latest is shown while writing)*\n\n" + \
                text[cut + 2 if cut >= 0 else len(text) - STREAM_TAIL_CHARS:]
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        head = note or f"*Writing {self._stream_title}… (the finished output replaces this text)*"
        self.setMarkdown(f"{head}\n\n{text}")
        if stream.first_piece_at is not None and self.first_shown_at is None:
            self.first_shown_at = time.perf_counter()
        if at_end or note:
            bar.setValue(bar.maximum() if not note else 0)
        # A slow machine redraws less often: redrawing takes at most about a fifth of the main thread.
        spent_ms = (time.perf_counter() - started) * 1000
        self._timer.setInterval(max(STREAM_REDRAW_MS, int(spent_ms * 5)))

    def end_stream(self, stream, state: str, error: str | None = None) -> None:
        """The run that fed `stream` ended: on failure or cancel the text so far stays, under a message."""
        if stream is not self.stream:
            return  # the person moved on to another output meanwhile
        self._timer.stop()
        if state == "failed":
            note = (f"**Not finished — {error or 'the model stopped'}.** Nothing was stored. The text the model "
                    "wrote before it stopped is below (select it to copy it).")
        elif state == "cancelled":
            note = "**Cancelled.** Nothing was stored. The text written before the cancel is below."
        else:
            self._draw_stream()
            return
        if not stream.raw().strip():
            note = note.split(" The text")[0]
        self._draw_stream(note)
        self.stream = None

    def _stop_stream(self) -> None:
        self._timer.stop()
        self.stream = None

    def _render(self) -> None:
        from harvest_desktop.core.errors import KnownError
        from harvest_desktop.export import output_content, output_meta
        from harvest_desktop.export.docmodel import build_document
        from harvest_desktop.export.text_writers import render_html

        out = self.out
        if out is None:
            return
        try:
            doc = build_document(output_content(out), output_meta(out))
        except (KnownError, ValueError):  # content this version cannot lay out: show its Markdown
            self.references = {}
            self.setMarkdown(out.markdown or "")
            return
        self.references = {r.number: r.citation for r in doc.references}
        bar = self.verticalScrollBar().value()
        self.setHtml(render_html(doc, cite_href=lambda n: f"cite:{n}", show_answers=self.show_answers,
                                 answers_href="show:answers", screen_colors=True))
        self.verticalScrollBar().setValue(bar)
        self._fit_width()

    def _clicked(self, url: QUrl) -> None:
        scheme, rest = url.scheme(), url.path()
        if scheme == "cite" and rest.isdigit() and int(rest) in self.references:
            self.citation_clicked.emit(self.references[int(rest)])
        elif scheme == "show" and rest == "answers":
            self.show_answers = True
            self._render()
        elif url.hasFragment() and not scheme:
            self.scrollToAnchor(url.fragment())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_width()

    def _fit_width(self) -> None:
        from PySide6.QtWidgets import QTextEdit

        if self.viewport().width() > READABLE_WIDTH + 40:
            self.setLineWrapMode(QTextEdit.LineWrapMode.FixedPixelWidth)
            self.setLineWrapColumnOrWidth(READABLE_WIDTH)
        else:
            self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
