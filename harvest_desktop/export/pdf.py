"""PDF writer: renders the Markdown subset our formats produce with reportlab and a Unicode font."""

from __future__ import annotations

import html
import re
import threading
from io import BytesIO

from harvest_desktop.core import paths

_FONT_LOCK = threading.Lock()
_FONT_NAME: str | None = None


def _font() -> str:
    """Register DejaVu Sans (shipped in resources/fonts) once; fall back to Helvetica."""
    global _FONT_NAME
    with _FONT_LOCK:
        if _FONT_NAME:
            return _FONT_NAME
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        fonts = paths.resources_dir() / "fonts"
        try:
            for style, suffix in (("", ""), ("-Bold", "-Bold"), ("-Oblique", "-Oblique"),
                                  ("-BoldOblique", "-BoldOblique")):
                pdfmetrics.registerFont(TTFont(f"DejaVuSans{style}", str(fonts / f"DejaVuSans{suffix}.ttf")))
            addMapping("DejaVuSans", 0, 0, "DejaVuSans")
            addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
            addMapping("DejaVuSans", 0, 1, "DejaVuSans-Oblique")
            addMapping("DejaVuSans", 1, 1, "DejaVuSans-BoldOblique")
            _FONT_NAME = "DejaVuSans"
        except Exception:  # a missing font file must not stop the export
            _FONT_NAME = "Helvetica"
        return _FONT_NAME


_CITE = re.compile(r"(\[[^\[\]]{1,200}\])(?=\s|$)")


def _inline(text: str) -> str:
    """Escape for reportlab's mini-HTML, then map **bold**, *italic* and grey citations."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<!\*)\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"<i>\1</i>", text)
    text = _CITE.sub(r'<font color="#666666" size="8">\1</font>', text)
    return text


def render_pdf(title: str, markdown: str) -> bytes:
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=10.5, leading=14,
                          alignment=TA_LEFT, spaceAfter=6)
    styles = {
        1: ParagraphStyle("h1", parent=base["Heading1"], fontName=font + ("-Bold" if font == "DejaVuSans" else ""),
                          fontSize=18, leading=22, spaceAfter=10),
        2: ParagraphStyle("h2", parent=base["Heading2"], fontName=font + ("-Bold" if font == "DejaVuSans" else ""),
                          fontSize=14, leading=18, spaceBefore=10, spaceAfter=6),
        3: ParagraphStyle("h3", parent=base["Heading3"], fontName=font + ("-Bold" if font == "DejaVuSans" else ""),
                          fontSize=12, leading=15, spaceBefore=6, spaceAfter=4),
    }
    story: list = []
    bullets: list = []
    numbered: list = []

    def flush_lists() -> None:
        if bullets:
            story.append(ListFlowable([ListItem(p, leftIndent=12) for p in bullets], bulletType="bullet",
                                      start="•", leftIndent=12, bulletFontName=font))
            bullets.clear()
        if numbered:
            story.append(ListFlowable([ListItem(p, leftIndent=14) for p in numbered], bulletType="1",
                                      leftIndent=14, bulletFontName=font))
            numbered.clear()

    para: list[str] = []

    def flush_para() -> None:
        if para:
            story.append(Paragraph(_inline(" ".join(para)), body))
            para.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            flush_para()
            flush_lists()
            level = min(3, len(heading.group(1)))
            story.append(Paragraph(_inline(heading.group(2)), styles[level]))
            continue
        if not stripped:
            flush_para()
            continue
        sub = re.match(r"^\s{2,}([A-D])\.\s+(.*)$", line)
        if sub and numbered:  # options under a numbered question
            numbered[-1] = _append_option(numbered[-1], sub.group(1), sub.group(2), body)
            continue
        bullet = re.match(r"^[-*+]\s+(.*)$", stripped)
        if bullet:
            flush_para()
            if numbered:
                flush_lists()
            bullets.append(Paragraph(_inline(bullet.group(1)), body))
            continue
        num = re.match(r"^\d+[.)]\s+(.*)$", stripped)
        if num:
            flush_para()
            if bullets:
                flush_lists()
            numbered.append(Paragraph(_inline(num.group(1)), body))
            continue
        flush_lists()
        para.append(stripped)
    flush_para()
    flush_lists()
    if not story:
        story.append(Paragraph("(empty)", body))

    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=title, author="Harvest", creator="Harvest")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColorRGB(0.4, 0.4, 0.4)
        canvas.drawString(20 * mm, 10 * mm, title[:90])
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _append_option(paragraph, letter: str, text: str, style):
    from reportlab.platypus import Paragraph

    return Paragraph(paragraph.text + f"<br/>&nbsp;&nbsp;&nbsp;{letter}. {_inline(text)}", style)
