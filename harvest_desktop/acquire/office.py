"""DOCX, PPTX and ODT readers. Archives are size-checked and XML entity-checked before parsing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from harvest_desktop.acquire.safety import open_package, parse_xml, read_member
from harvest_desktop.core.document import Block, Document, structured
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits


def _clean(text: str) -> str:
    return " ".join(text.split())


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return value.date().isoformat() if hasattr(value, "date") else str(value)
    except (ValueError, AttributeError):
        return None


# -- DOCX ------------------------------------------------------------------------------------------
def read_docx(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    item = path.name
    open_package(data, limits, item, "DOCX", "word/document.xml", "a Word document")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises a wide variety on malformed packages
        raise BadInput(f"the Word document cannot be read ({exc.__class__.__name__}: {exc})", item=item,
                       hint="the file may be damaged; try re-saving it") from None
    blocks: list[Block] = []
    title_from_style: str | None = None
    for part in document.iter_inner_content():
        if isinstance(part, Paragraph):
            for box in _docx_text_boxes(part):
                blocks.append(Block(text=box, kind="sidebar"))
            text = _clean(part.text)
            if not text:
                continue
            style = (part.style.name if part.style is not None else "") or ""
            low = style.lower()
            if low == "title":
                title_from_style = title_from_style or text
                blocks.append(Block(text=text, kind="heading", level=1))
            elif low.startswith("heading"):
                digits = "".join(ch for ch in low if ch.isdigit())
                blocks.append(Block(text=text, kind="heading", level=int(digits) if digits else 1))
            elif _docx_list_level(part) is not None or low.startswith("list"):
                level = _docx_list_level(part)
                blocks.append(Block(text=text, kind="list_item", level=(level or 0) + 1))
            elif low == "caption" or low.startswith("caption"):
                blocks.append(Block(text=text, kind="caption"))
            elif "quote" in low:
                blocks.append(Block(text=text, kind="quote"))
            else:
                blocks.append(Block(text=text, kind="paragraph"))
        elif isinstance(part, Table) and len(part.rows) == 1 and len(part.columns) == 1:
            # a one-cell table is how Word documents draw a boxed feature
            text = "\n".join(t for t in (_clean(p.text) for p in part.rows[0].cells[0].paragraphs) if t)
            if text:
                blocks.append(Block(text=text, kind="sidebar"))
        elif isinstance(part, Table):
            rows = []
            for row in part.rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = _clean(cell.text)
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if cells:
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append(Block(text="\n".join(rows), kind="table"))
    if not blocks:
        raise BadInput("the Word document has no text", item=item)
    props = document.core_properties
    title = (props.title or "").strip() or title_from_style or next(
        (b.text for b in blocks if b.kind == "heading"), path.stem)
    doc = Document(title=title, blocks=structured(blocks))
    doc.attribution.author = (props.author or "").strip() or None
    doc.attribution.published = _iso(props.created)
    return doc


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_text_boxes(paragraph: Any) -> list[str]:
    """Text boxes anchored in a paragraph (sidebars, callouts): one text per box."""
    out: list[str] = []
    for box in paragraph._p.iter(f"{{{_W}}}txbxContent"):
        paras = []
        for p in box.iter(f"{{{_W}}}p"):
            t = _clean("".join(x.text or "" for x in p.iter(f"{{{_W}}}t")))
            if t:
                paras.append(t)
        if paras and "\n".join(paras) not in out:  # Word stores a fallback copy of each box
            out.append("\n".join(paras))
    return out


def _docx_list_level(paragraph: Any) -> int | None:
    ppr = paragraph._p.pPr
    if ppr is None or ppr.numPr is None:
        return None
    ilvl = ppr.numPr.ilvl
    try:
        return int(ilvl.val) if ilvl is not None else 0
    except (TypeError, ValueError):
        return 0


# -- PPTX ------------------------------------------------------------------------------------------
def read_pptx(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    item = path.name
    open_package(data, limits, item, "PPTX", "ppt/presentation.xml", "a PowerPoint presentation")
    import pptx

    try:
        prs = pptx.Presentation(io.BytesIO(data))
    except Exception as exc:
        raise BadInput(f"the presentation cannot be read ({exc.__class__.__name__}: {exc})", item=item,
                       hint="the file may be damaged; try re-saving it") from None
    slides = list(prs.slides)
    if len(slides) > limits.max_pages:
        raise LimitExceeded(f"the presentation has {len(slides)} slides, over the limit of {limits.max_pages} "
                            "(setting: max pages)", item=item)
    blocks: list[Block] = []
    for number, slide in enumerate(slides, start=1):
        title_shape = slide.shapes.title
        slide_title = _clean(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
        heading = slide_title or f"Slide {number}"
        blocks.append(Block(text=heading, kind="heading", level=1, page=number))
        for shape in _shapes(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = []
                for row in shape.table.rows:
                    cells = [_clean(c.text) for c in row.cells]
                    if any(cells):
                        rows.append(" | ".join(c for c in cells if c))
                if rows:
                    blocks.append(Block(text="\n".join(rows), kind="table", page=number))
                continue
            if not getattr(shape, "has_text_frame", False) or not shape.has_text_frame:
                continue
            is_body = shape.is_placeholder and "BODY" in str(getattr(shape.placeholder_format, "type", ""))
            for para in shape.text_frame.paragraphs:
                text = _clean("".join(r.text for r in para.runs) or para.text)
                if not text:
                    continue
                if is_body or para.level > 0:
                    blocks.append(Block(text=text, kind="list_item", level=para.level + 1, page=number))
                else:
                    blocks.append(Block(text=text, kind="paragraph", page=number))
        if slide.has_notes_slide:
            notes = _clean(slide.notes_slide.notes_text_frame.text) if slide.notes_slide.notes_text_frame else ""
            if notes:
                blocks.append(Block(text=notes, kind="quote", page=number))
    if not any(b.kind != "heading" or not b.text.startswith("Slide ") for b in blocks):
        raise BadInput("the presentation has no text", item=item)
    props = prs.core_properties
    first_title = next((b.text for b in blocks if b.kind == "heading" and not b.text.startswith("Slide ")), None)
    doc = Document(title=(props.title or "").strip() or first_title or path.stem,
                   blocks=structured(blocks), pages=len(slides))
    doc.attribution.author = (props.author or "").strip() or None
    doc.attribution.published = _iso(props.created)
    return doc


def _shapes(shapes: Any):
    """Shapes in reading order, descending into groups (iteratively)."""
    stack = list(reversed(list(shapes)))
    while stack:
        shape = stack.pop()
        if shape.shape_type is not None and int(shape.shape_type) == 6:  # group
            stack.extend(reversed(list(shape.shapes)))
            continue
        yield shape


# -- ODT -------------------------------------------------------------------------------------------
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _odf_text(el: Any) -> str:
    """Text of an ODF element: spaces (text:s), tabs and line breaks expanded, notes left out."""
    parts: list[str] = []
    stack: list[tuple[str, Any]] = [("el", el)]
    while stack:
        op, x = stack.pop()
        if op == "text":
            parts.append(x)
            continue
        tag = x.tag
        if tag == _q(_TEXT, "s"):
            parts.append(" " * int(x.get(_q(_TEXT, "c"), "1") or 1))
        elif tag in (_q(_TEXT, "tab"), _q(_TEXT, "line-break")):
            parts.append(" ")
        elif tag in (_q(_TEXT, "note"), _q(_OFFICE, "annotation")):
            continue  # its tail was queued by the parent
        for child in reversed(list(x)):
            if child.tail:
                stack.append(("text", child.tail))
            stack.append(("el", child))
        if x.text:
            stack.append(("text", x.text))
    return _clean("".join(parts))


def read_odt(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    item = path.name
    # content.xml is parsed with defusedxml below, which refuses entities itself.
    zf = open_package(data, limits, item, "ODT", "content.xml", "an OpenDocument text", refuse_entities=False)
    root = parse_xml(read_member(zf, "content.xml", limits, item), item, "the document's content.xml")
    body = root.find(f"{_q(_OFFICE, 'body')}/{_q(_OFFICE, 'text')}")
    if body is None:
        raise BadInput("the OpenDocument file has no text body", item=item)
    blocks: list[Block] = []
    stack: list[tuple[Any, int]] = [(c, 0) for c in reversed(list(body))]
    while stack:
        el, depth = stack.pop()
        tag = el.tag
        if tag == _q(_TEXT, "h"):
            text = _odf_text(el)
            if text:
                level = int(el.get(_q(_TEXT, "outline-level"), "1") or 1)
                blocks.append(Block(text=text, kind="heading", level=level))
        elif tag == _q(_TEXT, "p"):
            text = _odf_text(el)
            if text:
                blocks.append(Block(text=text, kind="list_item" if depth else "paragraph", level=depth))
        elif tag == _q(_TEXT, "list"):
            stack.extend((c, depth + 1) for c in reversed(list(el)))
        elif tag == _q(_TABLE, "table"):
            rows = []
            for row in el.iter(_q(_TABLE, "table-row")):
                cells = [_odf_text(c) for c in row if c.tag == _q(_TABLE, "table-cell")]
                cells = [c for c in cells if c]
                if cells:
                    rows.append(" | ".join(cells))
            if rows:
                blocks.append(Block(text="\n".join(rows), kind="table"))
        else:  # sections, list items, frames: descend
            stack.extend((c, depth) for c in reversed(list(el)))
    if not blocks:
        raise BadInput("the OpenDocument file has no text", item=item)
    title = author = published = None
    if "meta.xml" in zf.namelist():
        meta = parse_xml(read_member(zf, "meta.xml", limits, item), item, "the document's meta.xml")
        def find(ns: str, name: str) -> str | None:
            el = meta.find(f".//{_q(ns, name)}")
            return _clean(el.text) if el is not None and el.text else None
        title = find(_DC, "title")
        author = find(_DC, "creator") or find(_META, "initial-creator")
        published = find(_META, "creation-date") or find(_DC, "date")
    doc = Document(title=title or next((b.text for b in blocks if b.kind == "heading"), path.stem),
                   blocks=structured(blocks))
    doc.attribution.author = author
    doc.attribution.published = published[:10] if published else None
    return doc
