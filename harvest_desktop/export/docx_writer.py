"""DOCX from the shared document model (python-docx).

Headings use Word's built-in "Heading N" styles, so the navigation pane works and the table of
contents field (updated by Word or LibreOffice when the file is opened) lists them. Citation
markers are internal hyperlinks to bookmarks in the references section.
"""

from __future__ import annotations

from io import BytesIO

from harvest_desktop.export import docmodel as d


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters; drop them instead of failing the export."""
    return "".join(ch for ch in " ".join(str(text).split())
                   if ch in "\t\n\r" or ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF
                   and ord(ch) not in (0xFFFE, 0xFFFF))


def render_docx(doc: d.Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    out = Docx()
    out.core_properties.title = _clean(doc.title)
    out.core_properties.author = "Harvest"
    out.core_properties.subject = doc.kind
    normal = out.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(10.5)

    bookmark_id = [0]

    def add_bookmark(paragraph, name: str) -> None:
        bookmark_id[0] += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(bookmark_id[0]))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(bookmark_id[0]))
        paragraph._p.insert(0, start)
        paragraph._p.append(end)

    def add_link(paragraph, anchor: str, text: str) -> None:
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), anchor)
        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        color = OxmlElement("w:color")
        color.set(qn("w:val"), "2A5DB0")
        va = OxmlElement("w:vertAlign")
        va.set(qn("w:val"), "superscript")
        rpr.append(color)
        rpr.append(va)
        run.append(rpr)
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        link.append(run)
        paragraph._p.append(link)

    def refs(paragraph, numbers: list[int]) -> None:
        for n in numbers:
            add_link(paragraph, f"ref_{n}", f"[{n}]")

    def para(p: d.Para, style: str | None = None):
        par = out.add_paragraph(style=style)
        if p.lead:
            par.add_run(_clean(p.lead) + ": ").bold = True
        run = par.add_run(_clean(p.text))
        if p.style == "quote":
            run.italic = True
        if p.style == "muted":
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        refs(par, p.refs)
        if p.note:
            note = par.add_run(f" ({_clean(p.note)})")
            note.font.size = Pt(8.5)
            note.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        return par

    # Title page: title, date and engine, sources; then the table of contents on its own page.
    out.add_paragraph(_clean(doc.title), style="Title")
    made = []
    if doc.meta.created_at:
        made.append("Made " + doc.meta.created_at[:10])
    if doc.meta.engine:
        made.append(f"by the {doc.meta.engine} engine")
    out.add_paragraph(_clean(" ".join(made) or "Made with Harvest"), style="Subtitle")
    for src in doc.sources:
        out.add_paragraph(_clean(d.source_line(src)), style="List Bullet")
    out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out.add_paragraph("Contents", style="TOC Heading" if "TOC Heading" in [s.name for s in out.styles]
                      else None).runs[0].bold = True
    toc_par = out.add_paragraph()
    _toc_field(toc_par, OxmlElement, qn)
    out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for b in doc.blocks:
        if isinstance(b, d.Heading):
            out.add_heading(_clean(b.text), level=min(3, b.level))
        elif isinstance(b, d.Para):
            para(b)
        elif isinstance(b, d.BulletList):
            for p in b.items:
                para(p, "List Number" if b.numbered else "List Bullet")
        elif isinstance(b, d.Question):
            q = out.add_paragraph()
            q.add_run(f"{b.number}. ").bold = True
            q.add_run(_clean(b.prompt))
            refs(q, b.refs)
            for i, o in enumerate(b.options):
                opt = out.add_paragraph(f"{d.LETTERS[i]}. {_clean(o)}")
                opt.paragraph_format.left_indent = Pt(18)
            for i, t in enumerate(b.left, 1):
                item = out.add_paragraph(f"{i}. {_clean(t)}")
                item.paragraph_format.left_indent = Pt(18)
            for i, t in enumerate(b.right):
                item = out.add_paragraph(f"{d.LETTERS[i]}. {_clean(t)}")
                item.paragraph_format.left_indent = Pt(30)
        elif isinstance(b, d.PageBreak):
            out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(b, d.AnswerKey):
            out.add_heading(_clean(b.title), level=1)
            for a in b.answers:
                par = out.add_paragraph()
                par.add_run(f"{a.number}. {_clean(a.answer)}").bold = True
                if a.explanation:
                    par.add_run(" — " + _clean(a.explanation))
                refs(par, a.refs)
    if doc.references:
        out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        out.add_heading("References", level=1)
        for r in doc.references:
            q = f" — “{_clean(r.citation.quote)}”" if r.citation.quote else ""
            par = out.add_paragraph(f"[{r.number}] {_clean(r.label())}{q}")
            add_bookmark(par, f"ref_{r.number}")
    if doc.sources:
        out.add_heading("Sources", level=1)
        for src in doc.sources:
            out.add_paragraph(_clean(d.source_line(src)), style="List Bullet")
    buf = BytesIO()
    out.save(buf)
    return buf.getvalue()


def _toc_field(paragraph, OxmlElement, qn) -> None:  # noqa: N803 (python-docx's factory names)
    """A TOC field over heading levels 1-3; Word/LibreOffice fill it in when the file is opened."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-3" \\h \\z \\u'
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "The table of contents is filled in when the document is opened (or press F9)."
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, sep, placeholder, end):
        run._r.append(el)
