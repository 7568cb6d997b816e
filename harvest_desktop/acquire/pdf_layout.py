"""Text lines of a PDF page with their position and type style, read through pdfium.

pdfium groups a page's characters into text rectangles (one per line run and font change); reading
those instead of every character keeps a 1,000-page book to a few seconds. Each line keeps its
box, font size, weight and style so the structure pass (pdf_structure) can find running heads,
headings, columns, captions and boxed sidebars.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

# Characters pdfium emits for a hyphen that ends a line (U+FFFE, STX) and the soft hyphen.
LINE_END_HYPHENS = ("\ufffe", "\x02", "\u00ad")
_FIXED_PITCH = 1
_ASTRAL = re.compile('[\U00010000-\U0010FFFF]')
_ITALIC = 1 << 6
_FORCE_BOLD = 1 << 18


@dataclass
class Span:
    text: str
    x0: float
    x1: float
    size: float
    bold: bool
    italic: bool
    mono: bool


@dataclass(eq=False)
class Line:
    """One printed line (or one cell of a row): spans of the same baseline, left to right.

    Call finish() once its spans are complete: text, size, bold and mono are then plain attributes.
    """

    page: int  # 0-based page index
    x0: float
    bottom: float
    x1: float
    top: float
    spans: list[Span] = field(default_factory=list)
    hyphen_end: bool = False  # the line ends with a hyphen pdfium marked as a line-end break
    text: str = ""
    size: float = 0.0  # the font size of most of the line's characters
    bold: bool = False  # every span with letters is bold
    mono: bool = False  # every span with letters is in a fixed-pitch font

    @property
    def height(self) -> float:
        return self.top - self.bottom

    def finish(self) -> "Line":
        self.text = "".join(s.text for s in self.spans).strip()
        best: dict[float, int] = {}
        for s in self.spans:
            key = round(s.size * 2) / 2
            best[key] = best.get(key, 0) + len(s.text.strip())
        self.size = max(best, key=lambda k: best[k]) if best else 0.0
        letters = [s for s in self.spans if any(c.isalnum() for c in s.text)]
        self.bold = bool(letters) and all(s.bold for s in letters)
        self.mono = bool(letters) and all(s.mono for s in letters)
        return self


@dataclass
class PageLayout:
    index: int
    width: float
    height: float
    lines: list[Line]
    boxes: list[tuple[float, float, float, float]]  # (left, bottom, right, top) of frames / shaded boxes


def _clean(text: str) -> tuple[str, bool]:
    text = text.replace("\r", " ").replace("\n", " ")
    hyphen = False
    stripped = text.rstrip()
    if stripped and stripped[-1] in LINE_END_HYPHENS:
        hyphen = True
        stripped = stripped[:-1] + "-"
    for ch in LINE_END_HYPHENS:
        stripped = stripped.replace(ch, "")
    return stripped.replace("\ufb01", "fi").replace("\ufb02", "fl").replace("\ufb00", "ff") \
        .replace("\ufb03", "ffi").replace("\ufb04", "ffl"), hyphen


def read_page_layout(page, textpage, index: int, full_text: str | None = None) -> PageLayout:
    """Lines (with style) and frames of one page; `full_text` is textpage.get_text_range() if known."""
    import pypdfium2.raw as c

    raw = textpage.raw
    width, height = page.get_size()
    text = full_text if full_text is not None else textpage.get_text_range()
    n_rects = c.FPDFText_CountRects(raw, 0, -1)
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    refs = (ctypes.byref(left), ctypes.byref(top), ctypes.byref(right), ctypes.byref(bottom))
    get_rect, at_pos = c.FPDFText_GetRect, c.FPDFText_GetCharIndexAtPos
    rects: list[tuple[float, float, float, float, int]] = []
    for k in range(n_rects):
        get_rect(raw, k, *refs)
        l, b, r, t = left.value, bottom.value, right.value, top.value
        idx = at_pos(raw, l + min(1.0, (r - l) / 2), (b + t) / 2, 1.0, max(0.5, (t - b) / 2))
        rects.append((l, b, r, t, idx))
    # A rectangle runs from its first character to the next rectangle's first one, when pdfium's
    # indices come in order (they do in almost every file); otherwise its bounded text is read.
    starts = [r[4] for r in rects]
    buf = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    loose = c.FS_RECTF()
    loose_ref = ctypes.byref(loose)
    spans: list[tuple[Span, float, float, bool]] = []
    # Surrogate pairs take two UTF-16 units but one pdfium index: map indices when any are present.
    astral = not text.isascii() and _ASTRAL.search(text) is not None
    for k, (l, b, r, t, idx) in enumerate(rects):
        nxt = (starts[k + 1] if k + 1 < len(starts) else len(text)) if not astral else -1
        if idx >= 0 and idx < nxt and (k == 0 or starts[k - 1] < idx):
            piece = text[idx:nxt]
        else:
            piece = textpage.get_text_bounded(l, b, r, t)
        piece, hyphen = _clean(piece)
        if not piece.strip():
            continue
        if idx >= 0:
            size = c.FPDFText_GetFontSize(raw, idx)
            weight = c.FPDFText_GetFontWeight(raw, idx)
            c.FPDFText_GetFontInfo(raw, idx, buf, 96, ctypes.byref(flags))
            name = buf.value.decode("latin-1", "replace").lower()
            fl = flags.value
            # the font's ascent/descent box: the same height for every line of a style, unlike the
            # glyphs' ink box (a line of x-height letters would look further from the one above)
            if c.FPDFText_GetLooseCharBox(raw, idx, loose_ref) and loose.top > loose.bottom:
                b, t = loose.bottom, loose.top
        else:
            size, weight, name, fl = (t - b) * 0.8, 400, "", 0
        bold = weight >= 600 or "bold" in name or "black" in name or "heavy" in name or bool(fl & _FORCE_BOLD) \
            or name.endswith(("-bd", ",bold", "-semibold", "-demi"))
        italic = bool(fl & _ITALIC) or "italic" in name or "oblique" in name or name.endswith("-it")
        mono = bool(fl & _FIXED_PITCH) or "mono" in name or "courier" in name or "code" in name
        spans.append((Span(piece, l, r, float(size), bold, italic, mono), b, t, hyphen))
    lines: list[Line] = []
    for span, b, t, hyphen in spans:
        cur = lines[-1] if lines else None
        if cur is not None:
            overlap = min(cur.top, t) - max(cur.bottom, b)
            gap = span.x0 - cur.x1
            if overlap > 0.5 * min(cur.height, t - b) and -2.0 <= gap < 1.2 * max(span.size, 4.0):
                if gap > 0.15 * span.size and not cur.spans[-1].text.endswith(" ") \
                        and not span.text.startswith(" "):
                    span.text = " " + span.text
                cur.spans.append(span)
                cur.x1 = max(cur.x1, span.x1)
                cur.bottom, cur.top = min(cur.bottom, b), max(cur.top, t)
                cur.hyphen_end = hyphen
                continue
        lines.append(Line(index, span.x0, b, span.x1, t, [span], hyphen))
    for line in lines:
        line.spans[0].text = line.spans[0].text.lstrip()
        line.spans[-1].text = line.spans[-1].text.rstrip()
        line.finish()
    return PageLayout(index, width, height, lines, _frames(page, width, height))


def _frames(page, width: float, height: float, limit: int = 600) -> list[tuple[float, float, float, float]]:
    """Rectangles drawn around or behind text (sidebars, boxed features): path objects of box size."""
    import pypdfium2.raw as c

    out: list[tuple[float, float, float, float]] = []
    n = c.FPDFPage_CountObjects(page.raw)
    if n > limit * 4:
        return out  # a vector drawing, not a page of text with a few boxes
    fl, fb, fr, ft = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    seen = 0
    for j in range(n):
        obj = c.FPDFPage_GetObject(page.raw, j)
        if c.FPDFPageObj_GetType(obj) != c.FPDF_PAGEOBJ_PATH:
            continue
        seen += 1
        if seen > limit:
            break
        if not c.FPDFPageObj_GetBounds(obj, ctypes.byref(fl), ctypes.byref(fb), ctypes.byref(fr), ctypes.byref(ft)):
            continue
        w, h = fr.value - fl.value, ft.value - fb.value
        if w < 0.25 * width or h < 24 or w * h > 0.7 * width * height:
            continue
        out.append((fl.value, fb.value, fr.value, ft.value))
    return out


def read_outline(pdf) -> list[tuple[int, str, int | None, float | None]]:
    """The PDF's bookmarks: (level 1.., title, 0-based page or None, top y of the target or None)."""
    out: list[tuple[int, str, int | None, float | None]] = []
    try:
        for bm in pdf.get_toc(max_depth=8):
            title = " ".join((bm.get_title() or "").split())
            if not title:
                continue
            page = y = None
            dest = bm.get_dest()
            if dest is not None:
                page = dest.get_index()
                try:
                    _mode, view = dest.get_view()
                    if len(view) >= 2 and view[1]:
                        y = float(view[1])
                except Exception:  # a malformed destination still names its page
                    y = None
            out.append((bm.level + 1, title, page, y))
            if len(out) > 5000:
                break
    except Exception:  # a broken outline is ignored: typography still gives the structure
        return out
    return out
