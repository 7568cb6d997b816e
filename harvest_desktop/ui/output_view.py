"""The generated output, rendered from its structured content: every citation is a link that opens
its source at the page (passage highlighted), quiz answers stay hidden until asked for, and lines
keep a readable width on a wide window."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

READABLE_WIDTH = 760  # px: about 90 characters of body text


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

    def show_output(self, out) -> None:
        self.out = out
        self.show_answers = False
        self._render()

    def clear(self) -> None:  # noqa: D401 (QTextBrowser override)
        self.out = None
        self.references = {}
        super().clear()

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
