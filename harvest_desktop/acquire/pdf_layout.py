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
# Font names: TeX's typewriter (cmtt, sftt, ...) and common code fonts; TeX's bold extended (cmbx).
_MONO_NAME = re.compile(r"mono|courier|code|consol|inconsolata|menlo|monaco|typewriter|"
                        r"(?:^|[^a-z])(?:cm|sf|lm|ec|tx|tc)tt|^[a-z]{0,4}tt\d")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|(?:^|[^a-z])(?:cm|sf|lm|ec)bx|-bd$|,bold")
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
    cells: list[str] = field(default_factory=list)  # a short line with wide gaps: a table row's cells

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


def _fix_chars(text: str) -> str:
    """Ligatures spelled out; pdfium's line-end hyphen markers and line breaks dropped."""
    text = text.replace("\r", " ").replace("\n", " ")
    for ch in LINE_END_HYPHENS:
        text = text.replace(ch, "")
    return text.replace("\ufb01", "fi").replace("\ufb02", "fl").replace("\ufb00", "ff") \
        .replace("\ufb03", "ffi").replace("\ufb04", "ffl")


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


_LINE_BREAK = re.compile("\r\n|[\ufffe\x02]")


class _Fonts:
    """Per-character style look-ups on one text page (each is O(1) in pdfium)."""

    def __init__(self, raw) -> None:
        import pypdfium2.raw as c

        self.c = c
        self.raw = raw
        self.buf = ctypes.create_string_buffer(96)
        self.flags = ctypes.c_int()
        self.flags_ref = ctypes.byref(self.flags)
        self.box = [ctypes.c_double() for _ in range(4)]
        self.box_refs = [ctypes.byref(x) for x in self.box]
        self.loose = c.FS_RECTF()
        self.loose_ref = ctypes.byref(self.loose)

    def style(self, i: int) -> tuple[float, bool, bool, bool]:
        """(size, bold, italic, mono) of character i."""
        c = self.c
        size = c.FPDFText_GetFontSize(self.raw, i)
        weight = c.FPDFText_GetFontWeight(self.raw, i)
        c.FPDFText_GetFontInfo(self.raw, i, self.buf, 96, self.flags_ref)
        name = self.buf.value.decode("latin-1", "replace").lower()
        fl = self.flags.value
        bold = weight >= 600 or bool(fl & _FORCE_BOLD) or _BOLD_NAME.search(name) is not None
        italic = bool(fl & _ITALIC) or "italic" in name or "oblique" in name or name.endswith("-it")
        mono = bool(fl & _FIXED_PITCH) or _MONO_NAME.search(name) is not None
        return float(size), bold, italic, mono

    def xs(self, i: int) -> tuple[float, float]:
        self.c.FPDFText_GetCharBox(self.raw, i, *self.box_refs)
        return self.box[0].value, self.box[1].value

    def vertical(self, i: int) -> tuple[float, float] | None:
        """(bottom, top) of the font's ascent/descent box at character i."""
        if self.c.FPDFText_GetLooseCharBox(self.raw, i, self.loose_ref) and self.loose.top > self.loose.bottom:
            return self.loose.bottom, self.loose.top
        self.c.FPDFText_GetCharBox(self.raw, i, *self.box_refs)
        return self.box[2].value, self.box[3].value


def sizes_mid(first: tuple, last: tuple) -> float:
    return max(4.0, min(first[0], last[0]))


def _cells(fonts: "_Fonts", text: str, a: int, b: int, size: float) -> list[str]:
    """Split a short line at gaps wider than a word space can be: table cells (none: not a row)."""
    spaces = [i for i in range(a + 1, b - 1) if text[i] == " "]
    if not spaces or len(spaces) > 15:
        return []
    cuts = []
    for i in spaces:
        if text[i - 1] == " " or text[i + 1] == " ":
            continue
        _, right_prev = fonts.xs(i - 1)
        left_next, _ = fonts.xs(i + 1)
        if left_next - right_prev > 1.5 * size:
            cuts.append(i)
    if not cuts:
        return []
    out, prev = [], a
    for i in cuts:
        out.append(_fix_chars(text[prev:i]).strip())
        prev = i + 1
    out.append(_fix_chars(text[prev:b]).strip())
    return [c for c in out if c]


def _text_lines(textpage, index: int, text: str) -> list[Line] | None:
    """Lines from pdfium's own line breaks (CR LF, or a line-end hyphen), styled at a few characters
    each: no per-character loop, so a 1,000-page book reads in seconds. None when the text's
    indices cannot be trusted (characters outside the BMP)."""
    if not text.isascii() and _ASTRAL.search(text):
        return None
    fonts = _Fonts(textpage.raw)
    lines: list[Line] = []
    start = 0
    n = len(text)
    breaks = [(m.start(), m.end(), m.group() != "\r\n") for m in _LINE_BREAK.finditer(text)]
    breaks.append((n, n, False))
    for end, nxt, hyphen in breaks:
        a, b = start, end
        start = nxt
        while a < b and text[a] in " \t\r\n\x00":
            a += 1
        while b > a and text[b - 1] in " \t\r\n\x00":
            b -= 1
        if a >= b:
            continue
        first, last = fonts.style(a), fonts.style(b - 1)
        mid = fonts.style((a + b) // 2) if b - a > 2 and first != last else first
        x0, _ = fonts.xs(a)
        _, x1 = fonts.xs(b - 1)
        vert = fonts.vertical(a)
        if vert is None:
            continue
        bottom, top = vert
        spans: list[Span] = []
        if first[1] != last[1]:
            # one style switch (a bold run-in term, then plain text): find it by bisection
            lo, hi = a, b - 1
            while hi - lo > 1:
                m = (lo + hi) // 2
                if fonts.style(m)[1] == first[1]:
                    lo = m
                else:
                    hi = m
            xk, _ = fonts.xs(hi)
            spans.append(Span(text[a:hi], x0, xk, first[0], first[1], first[2], first[3]))
            spans.append(Span(text[hi:b], xk, x1, last[0], last[1], last[2], last[3]))
        else:
            sizes = sorted((first[0], mid[0], last[0]))
            spans.append(Span(text[a:b], x0, x1, sizes[1], first[1] and mid[1], first[2], first[3] and last[3]))
        for sp in spans:
            sp.text = _fix_chars(sp.text)
        if hyphen:
            spans[-1].text += "-"
        if x1 < x0:
            x0, x1 = x1, x0
        line = Line(index, x0, bottom, x1, top, spans, hyphen)
        if b - a <= 100 and not first[3]:
            line.cells = _cells(fonts, text, a, b, sizes_mid(first, last))
        lines.append(line.finish())
    return [ln for ln in lines if ln.text]


def read_page_layout(page, textpage, index: int, full_text: str | None = None) -> PageLayout:
    """Lines (with style) and frames of one page; `full_text` is textpage.get_text_range() if known."""
    import pypdfium2.raw as c

    width, height = page.get_size()
    text = full_text if full_text is not None else textpage.get_text_range()
    fast = _text_lines(textpage, index, text)
    if fast is not None:
        return PageLayout(index, width, height, fast, _frames(page, width, height))
    raw = textpage.raw
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
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    rgba = [ctypes.c_uint() for _ in range(4)]
    rgba_refs = [ctypes.byref(x) for x in rgba]
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
        # a frame is a rectangle, square or with rounded corners: a few segments, not a drawing
        if c.FPDFPath_CountSegments(obj) > 24:
            continue
        # ... and one you can see: stroked, or filled with something other than white
        if not c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        visible = bool(stroke.value)
        if not visible and fill_mode.value:
            if c.FPDFPageObj_GetFillColor(obj, *rgba_refs):
                visible = rgba[3].value > 0 and min(rgba[0].value, rgba[1].value, rgba[2].value) < 250
        if not visible:
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
