"""PDF from the shared document model (reportlab platypus).

Title page with the sources and the date, a table of contents, headings as PDF bookmarks,
citations linked to the references section, page numbers, the answer key on its own page, and
DejaVu Sans (shipped in resources/fonts) so accented Latin, Greek and Cyrillic text prints.
Every piece of source text is escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import html
import threading
from io import BytesIO

from harvest_desktop.core import paths
from harvest_desktop.export import docmodel as d

_FONT_LOCK = threading.Lock()
_FONT_NAME: str | None = None


def _font() -> str:
    """Register DejaVu Sans once; fall back to Helvetica only if the font files are missing."""
    global _FONT_NAME
    with _FONT_LOCK:
        if _FONT_NAME:
            return _FONT_NAME
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        fonts = paths.resources_dir() / "fonts"
        try:
            for style in ("", "-Bold", "-Oblique", "-BoldOblique"):
                pdfmetrics.registerFont(TTFont(f"DejaVuSans{style}", str(fonts / f"DejaVuSans{style}.ttf")))
            addMapping("DejaVuSans", 0, 0, "DejaVuSans")
            addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
            addMapping("DejaVuSans", 0, 1, "DejaVuSans-Oblique")
            addMapping("DejaVuSans", 1, 1, "DejaVuSans-BoldOblique")
            _FONT_NAME = "DejaVuSans"
        except OSError:
            _FONT_NAME = "Helvetica"
        return _FONT_NAME


def _esc(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=False)


def _refs(refs: list[int]) -> str:
    return "".join(f' <a href="#ref-{n}" color="#2a5db0"><super>[{n}]</super></a>' for n in refs)


def render_pdf(doc: d.Document) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, ListFlowable, ListItem,
                                    PageBreak, PageTemplate, Paragraph, Spacer)
    from reportlab.platypus.tableofcontents import TableOfContents

    font = _font()
    bold = font + "-Bold" if font == "DejaVuSans" else "Helvetica-Bold"
    base = getSampleStyleSheet()
    body = ParagraphStyle("hv-body", parent=base["BodyText"], fontName=font, fontSize=10.5, leading=14.5,
                          spaceAfter=6)
    muted = ParagraphStyle("hv-muted", parent=body, textColor="#555555")
    quote = ParagraphStyle("hv-quote", parent=body, leftIndent=12, fontName=font + "-Oblique"
                           if font == "DejaVuSans" else "Helvetica-Oblique")
    small = ParagraphStyle("hv-small", parent=body, fontSize=9, leading=12, textColor="#333333")
    h = {1: ParagraphStyle("hv-h1", parent=base["Heading1"], fontName=bold, fontSize=16, leading=20,
                           spaceBefore=12, spaceAfter=8),
         2: ParagraphStyle("hv-h2", parent=base["Heading2"], fontName=bold, fontSize=13, leading=16,
                           spaceBefore=8, spaceAfter=4),
         3: ParagraphStyle("hv-h3", parent=base["Heading3"], fontName=bold, fontSize=11.5, leading=14,
                           spaceBefore=6, spaceAfter=3)}
    title_style = ParagraphStyle("hv-title", parent=base["Title"], fontName=bold, fontSize=24, leading=30,
                                 spaceAfter=16)

    class _Doc(BaseDocTemplate):
        _hv_last_level = -1

        def beforeDocument(self) -> None:  # noqa: N802 (reportlab's hook name; runs at every pass)
            self._hv_last_level = -1

        def afterFlowable(self, flowable) -> None:  # noqa: N802 (reportlab's hook name)
            key = getattr(flowable, "_hv_key", None)
            if key is None:
                return
            level, text = flowable._hv_level, flowable._hv_text
            level = min(level, self._hv_last_level + 1)  # PDF outlines cannot skip a level
            self._hv_last_level = level
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            if getattr(flowable, "_hv_toc", True):
                self.notify("TOCEntry", (level, text, self.page, key))

    buf = BytesIO()
    pdf = _Doc(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
               bottomMargin=18 * mm, title=doc.title, author="Harvest", creator="Harvest",
               subject=doc.kind)

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColorRGB(0.4, 0.4, 0.4)
        canvas.drawString(20 * mm, 10 * mm, doc.title[:90])
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{document.page}")
        canvas.restoreState()

    frame = Frame(pdf.leftMargin, pdf.bottomMargin, pdf.width, pdf.height, id="main")
    pdf.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])

    counter = [0]

    def heading(level: int, text: str, toc: bool = True) -> Paragraph:
        counter[0] += 1
        key = f"h{counter[0]}"
        p = Paragraph(f'<a name="{key}"/>{_esc(text)}', h[min(3, level)])
        p._hv_key, p._hv_level, p._hv_text, p._hv_toc = key, level - 1, text, toc
        return p

    def para(p: d.Para, style=None) -> Paragraph:
        st = style or {"quote": quote, "muted": muted}.get(p.style, body)
        lead = f"<b>{_esc(p.lead)}</b>: " if p.lead else ""
        note = f' <font color="#666666" size="8.5">({_esc(p.note)})</font>' if p.note else ""
        return Paragraph(f"{lead}{_esc(p.text)}{_refs(p.refs)}{note}", st)

    story: list = [Spacer(1, 40 * mm), Paragraph(_esc(doc.title), title_style)]
    made = []
    if doc.meta.created_at:
        made.append("Made " + doc.meta.created_at[:10])
    if doc.meta.engine:
        made.append(f"by the {doc.meta.engine} engine")
    story.append(Paragraph(_esc(" ".join(made) or "Made with Harvest"), muted))
    if doc.sources:
        story.append(Spacer(1, 8 * mm))
        story.append(Paragraph("<b>Sources</b>", body))
        for src in doc.sources:
            story.append(Paragraph(_esc(d.source_line(src)), small))
    story.append(PageBreak())
    toc = TableOfContents()
    toc.levelStyles = [ParagraphStyle("hv-toc1", parent=body, fontName=font, fontSize=11, leftIndent=10,
                                      firstLineIndent=-10),
                       ParagraphStyle("hv-toc2", parent=body, fontName=font, fontSize=10, leftIndent=24,
                                      firstLineIndent=-10)]
    story += [Paragraph("Contents", h[1]), toc, PageBreak()]

    for b in doc.blocks:
        if isinstance(b, d.Heading):
            story.append(heading(b.level, b.text, b.toc))
        elif isinstance(b, d.Para):
            story.append(para(b))
        elif isinstance(b, d.BulletList):
            items = [ListItem(para(p), leftIndent=14) for p in b.items]
            story.append(ListFlowable(items, bulletType="1" if b.numbered else "bullet",
                                      start=None if b.numbered else "•", leftIndent=14, bulletFontName=font))
        elif isinstance(b, d.Question):
            parts = [Paragraph(f"<b>{b.number}.</b> {_esc(b.prompt)}{_refs(b.refs)}", body)]
            for i, o in enumerate(b.options):
                parts.append(Paragraph(f"{d.LETTERS[i]}. {_esc(o)}", ParagraphStyle(
                    "hv-opt", parent=body, leftIndent=18, spaceAfter=1)))
            for i, t in enumerate(b.left, 1):
                parts.append(Paragraph(f"{i}. {_esc(t)}", ParagraphStyle("hv-l", parent=body, leftIndent=18,
                                                                           spaceAfter=1)))
            for i, t in enumerate(b.right):
                parts.append(Paragraph(f"{d.LETTERS[i]}. {_esc(t)}", ParagraphStyle(
                    "hv-r", parent=body, leftIndent=30, spaceAfter=1, textColor="#333333")))
            parts.append(Spacer(1, 4))
            story.append(KeepTogether(parts))
        elif isinstance(b, d.PageBreak):
            story.append(PageBreak())
        elif isinstance(b, d.AnswerKey):
            story.append(heading(1, b.title))
            for a in b.answers:
                expl = f" — {_esc(a.explanation)}" if a.explanation else ""
                story.append(Paragraph(f"<b>{a.number}. {_esc(a.answer)}</b>{expl}{_refs(a.refs)}", small))
    if doc.references:
        story.append(PageBreak())
        story.append(heading(1, "References"))
        for r in doc.references:
            q = f" — “{_esc(r.citation.quote)}”" if r.citation.quote else ""
            story.append(Paragraph(f'<a name="ref-{r.number}"/>[{r.number}] {_esc(r.label())}{q}', small))
    if doc.sources:
        story.append(heading(1, "Sources"))
        for src in doc.sources:
            story.append(Paragraph(_esc(d.source_line(src)), small))
    pdf.multiBuild(story)
    return buf.getvalue()
