"""A book's structure out of its printed lines: running heads and page numbers removed, headings
from the outline or the typography, columns in reading order, paragraphs joined across lines and
pages (hyphenation undone), captions, boxed sidebars, lists and tables kept apart from the prose.

Pure Python over pdf_layout.Line values, so it is tested without a PDF and costs little time.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from harvest_desktop.acquire.pdf_layout import Line, PageLayout
from harvest_desktop.core.document import Block, is_caption, refine_blocks, with_heading_paths

_ROMAN = re.compile(r"^(?=[mdclxvi])m*(c[md]|d?c{0,3})(x[cl]|l?x{0,3})(i[xv]|v?i{0,3})$", re.I)
_EDGE_NUMBER = re.compile(r"^\s*(?:page\s+)?([0-9]{1,4}|[ivxlcdm]{1,7})\b|\b([0-9]{1,4}|[ivxlcdm]{1,7})\s*$", re.I)
_NUMBERING = re.compile(r"^(?:(chapter|part|unit|section|appendix|lesson|module|book)\s+)?"
                        r"((?:\d+|[A-Z])(?:\.\d+)*)(?:\.|:)?(?:\s+|$)", re.I)
_LABEL_ONLY = re.compile(r"^(chapter|part|unit|appendix|lesson|module|book)\s+([0-9]+|[ivxlcdm]+|[a-z])\.?$", re.I)
_BULLET = re.compile(r"^(?:[•▪◦●■□○‣∙·\-–—*✓✔➢►]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)]|\([ivx]+\))\s+")
_BULLET_SYMBOL = re.compile(r"^[•▪◦●■□○‣∙·\-–—*✓✔➢►]\s+")
_FOOTNOTE = re.compile(r"^(?:\d{1,3}\.?|[*†‡§¶¹²³])\s*[A-Z(“\"]")
_SENTENCE_END = (".", "?", "!", ":", ";", "”", "\"", "’", ")", "]")
_COMPOUND_PREFIXES = {"self", "well", "ex", "all", "cross", "half", "non", "quasi", "semi", "anti", "co",
                      "multi", "pre", "post", "re", "long", "short", "high", "low", "first", "second",
                      "third", "two", "three", "one", "so", "built", "user", "real", "open", "state"}
_LOWER_WORD = re.compile(r"[a-zß-ÿ]+")
_LOWER_COMPOUND = re.compile(r"\b[a-zß-ÿ]+(?:-[a-zß-ÿ]+)+")


@dataclass
class BookStats:
    """What the structure pass found, for the benchmark and the log."""

    running_lines_removed: int = 0
    outline_entries: int = 0
    outline_matched: int = 0  # outline entries found as a printed line
    headings: int = 0
    two_column_pages: int = 0
    joined_across_pages: int = 0
    dehyphenated: int = 0
    headings_from_typography: int = 0  # below the outline's deepest level
    outline_ignored: bool = False  # too few bookmarks matched a printed title
    running_keys: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _key(text: str) -> str:
    """A running head's identity: digits and roman numerals (page numbers) masked."""
    words = []
    for w in _norm(text).split():
        words.append("#" if w.isdigit() or _ROMAN.match(w) else w)
    while words and words[0] == "#":
        words.pop(0)
    while words and words[-1] == "#":
        words.pop()
    return " ".join(words)


def _roman_value(s: str) -> int | None:
    if not _ROMAN.match(s):
        return None
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = vals[ch]
        total += -v if v < prev else v
        prev = max(prev, v)
    return total


def _edge_numbers(text: str) -> list[int]:
    out = []
    t = text.strip()
    for m in (re.match(r"^(?:page\s+)?([0-9]{1,4}|[ivxlcdm]{1,7})\b", t, re.I),
              re.search(r"\b([0-9]{1,4}|[ivxlcdm]{1,7})$", t, re.I)):
        if m:
            g = m.group(1)
            v = int(g) if g.isdigit() else _roman_value(g)
            if v is not None:
                out.append(v)
    return out


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by vertical position, top to bottom."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: -ln.top):
        if rows and abs(rows[-1][0].top - line.top) < 0.5 * max(2.0, min(rows[-1][0].height, line.height)):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def body_size(pages: list[PageLayout]) -> float:
    counts: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            counts[line.size] += len(line.text)
    return counts.most_common(1)[0][0] if counts else 10.0


# -- running heads, footers and page numbers --------------------------------------------------------
def remove_running_lines(pages: list[PageLayout], body: float, protected: set[int], stats: BookStats) -> None:
    """Drop header/footer lines that repeat across pages (page numbers masked) or carry the page number."""
    zone: dict[int, list[tuple[str, Line]]] = {}
    for page in pages:
        rows = _rows(page.lines)
        picked: list[tuple[str, Line]] = []
        for r in rows[:2]:
            picked += [("top", ln) for ln in r if ln.bottom > page.height * 0.55]
        for r in rows[-2:]:
            picked += [("bottom", ln) for ln in r if ln.top < page.height * 0.45 and ("top", ln) not in picked]
        zone[page.index] = [(z, ln) for z, ln in picked if id(ln) not in protected and ln.size <= body * 1.12 + 0.01
                            and len(ln.text) <= 160]
    key_pages: dict[tuple[str, str], set[int]] = defaultdict(set)
    key_y: dict[tuple[str, str], list[float]] = defaultdict(list)
    offsets: Counter[tuple[str, int]] = Counter()
    for index, picked in zone.items():
        for z, ln in picked:
            k = _key(ln.text)
            if k:
                key_pages[(z, k)].add(index)
                key_y[(z, k)].append(ln.top if z == "top" else ln.bottom)
            for n in set(_edge_numbers(ln.text)):
                offsets[(z, index - n)] += 1
    n_pages = len(pages)
    need = 3 if n_pages >= 6 else 2
    repeated = {zk for zk, pg in key_pages.items() if len(pg) >= need}
    good_offsets = {zo for zo, cnt in offsets.items() if cnt >= need}
    stats.running_keys = sorted(k for _, k in repeated)[:50]
    for page in pages:
        drop: set[int] = set()
        for z, ln in zone.get(page.index, []):
            k = _key(ln.text)
            if (z, k) in repeated:
                ys = sorted(key_y[(z, k)])
                mid = ys[len(ys) // 2]
                y = ln.top if z == "top" else ln.bottom
                if abs(y - mid) <= max(6.0, ln.height):
                    drop.add(id(ln))
                    continue
            if any((z, page.index - n) in good_offsets for n in _edge_numbers(ln.text)):
                if not k or len(ln.text) <= 120:
                    drop.add(id(ln))
        if drop:
            stats.running_lines_removed += len(drop)
            page.lines = [ln for ln in page.lines if id(ln) not in drop]


# -- reading order ------------------------------------------------------------------------------------
def order_columns(page: PageLayout, stats: BookStats) -> list[list[Line]]:
    """The page's lines in reading order, as a list of columns (one for a single-column page)."""
    lines = page.lines
    if len(lines) < 8:
        return [lines]
    xs0 = min(ln.x0 for ln in lines)
    xs1 = max(ln.x1 for ln in lines)
    span = xs1 - xs0
    if span <= 0:
        return [lines]
    narrow = sum(1 for ln in lines if ln.x1 - ln.x0 < 0.55 * span)
    if narrow < 0.4 * len(lines):
        return [lines]  # most lines run across the page: one column
    best = None
    for frac in [0.40 + 0.01 * i for i in range(21)]:
        gx = xs0 + frac * span
        crossing = sum(1 for ln in lines if ln.x0 < gx - 2 and ln.x1 > gx + 2)
        left = sum(1 for ln in lines if ln.x1 <= gx + 2)
        right = sum(1 for ln in lines if ln.x0 >= gx - 2)
        if left >= 4 and right >= 4 and (best is None or crossing < best[0]):
            best = (crossing, gx, left, right)
    if best is None:
        return [lines]
    crossing, gx, left, right = best
    wide_left = [ln for ln in lines if ln.x1 <= gx + 2 and ln.x1 - ln.x0 > 0.3 * span]
    wide_right = [ln for ln in lines if ln.x0 >= gx - 2 and ln.x1 - ln.x0 > 0.3 * span]
    if crossing > 0.25 * len(lines) or len(wide_left) < 3 or len(wide_right) < 3:
        return [lines]
    stats.two_column_pages += 1
    # Full-width lines split the page into bands; each band reads left column, then right column.
    out: list[list[Line]] = []
    band_l: list[Line] = []
    band_r: list[Line] = []
    for ln in sorted(lines, key=lambda x: (-x.top, x.x0)):
        if ln.x0 < gx - 2 and ln.x1 > gx + 2:
            if band_l or band_r:
                out += [c for c in (band_l, band_r) if c]
                band_l, band_r = [], []
            out.append([ln])
        elif ln.x1 <= gx + 2:
            band_l.append(ln)
        else:
            band_r.append(ln)
    out += [c for c in (band_l, band_r) if c]
    return out


# -- headings ---------------------------------------------------------------------------------------
@dataclass
class _Heading:
    lines: list[Line]
    level: int
    text: str
    from_outline: bool = False


def _unnumbered(text: str) -> str:
    """The normalised title without its printed numbering ('1.8 Glossary' -> 'glossary')."""
    m = _NUMBERING.match(text.strip())
    return _norm(text.strip()[m.end():]) if m else _norm(text)


def _match_score(title_n: str, text_n: str, title_u: str = "", text_u: str = "") -> float:
    if not title_n or not text_n:
        return 0.0
    if text_n == title_n:
        return 1.0
    # printed numbering or a 'Chapter 3' label around the outline's title
    if text_u and (text_u == title_n or text_u == title_u):
        return 0.98
    if len(title_n) >= 12 and (title_n in text_n and len(text_n) <= len(title_n) * 1.5):
        return 0.9
    if len(title_n) >= 8 and 0.75 * len(title_n) <= len(text_n) <= 1.5 * len(title_n) + 8:
        sm = SequenceMatcher(None, title_n, text_n, autojunk=False)
        if sm.real_quick_ratio() >= 0.85 and sm.quick_ratio() >= 0.85:
            return sm.ratio() * 0.95
    return 0.0


def match_outline(pages: list[PageLayout], outline: list[tuple[int, str, int | None, float | None]],
                  body: float, stats: BookStats, matched_entries: set[int] | None = None) -> dict[int, _Heading]:
    """Find each bookmark's title among the printed lines of its target page; id(first line) -> heading."""
    found: dict[int, _Heading] = {}
    matched_entries = matched_entries if matched_entries is not None else set()
    norms: dict[int, str] = {}
    normed_pages: set[int] = set()
    used: set[int] = set()
    by_index = {p.index: p for p in pages}
    stats.outline_entries = len(outline)
    for entry_no, (level, title, page_index, y) in enumerate(outline):
        if page_index is None:
            continue
        title_n = _norm(title)
        title_u = _unnumbered(title)
        best: tuple[float, list[Line]] | None = None
        for pi in (page_index, page_index + 1, page_index - 1):
            page = by_index.get(pi)
            if page is None:
                continue
            lines = page.lines
            if pi not in normed_pages:
                normed_pages.add(pi)
                for ln in lines:
                    norms[id(ln)] = _norm(ln.text)
            first_word = title_u.split(" ", 1)[0] if title_u else title_n.split(" ", 1)[0]
            for i in range(len(lines)):
                if id(lines[i]) in used:
                    continue
                # cheap filter: the title's first word is on this line or the next
                if first_word not in norms[id(lines[i])] and not (
                        i + 1 < len(lines) and first_word in norms[id(lines[i + 1])]):
                    continue
                group: list[Line] = []
                for j in range(i, min(i + 4, len(lines))):
                    ln = lines[j]
                    if id(ln) in used or (group and (abs(ln.size - group[0].size) > 1.5 and not
                                                     _LABEL_ONLY.match(group[0].text))):
                        break
                    group.append(ln)
                    raw_text = " ".join(g.text for g in group)
                    text_n = " ".join(norms[id(g)] for g in group)
                    if len(text_n) > len(title_n) * 1.6 + 20:
                        break
                    score = _match_score(title_n, text_n, title_u, _unnumbered(raw_text))
                    if score < 0.85:
                        continue
                    # prefer the heading-looking line near the bookmark's target
                    if group[0].size >= body * 1.05 or group[0].bold:
                        score += 0.05
                    if y is not None and pi == page_index:
                        score += 0.04 * max(0.0, 1 - abs(group[0].top - y) / 200)
                    if pi != page_index:
                        score -= 0.1
                    if best is None or score > best[0]:
                        best = (score, list(group))
            if best is not None and best[0] >= 0.95:
                break
        if best is None:
            continue
        group = best[1]
        # a 'Chapter 3' label line just above the title belongs to it
        page = by_index[group[0].page]
        k = page.lines.index(group[0])
        if k > 0 and _LABEL_ONLY.match(page.lines[k - 1].text) and id(page.lines[k - 1]) not in used:
            group.insert(0, page.lines[k - 1])
        for ln in group:
            used.add(id(ln))
        text = " ".join(g.text for g in group)
        if _LABEL_ONLY.match(group[0].text) and len(group) > 1:
            text = group[0].text + ": " + " ".join(g.text for g in group[1:])
        found[id(group[0])] = _Heading(group, level, text, True)
        matched_entries.add(entry_no)
        stats.outline_matched += 1
    return found


def _numbering_depth(text: str) -> int | None:
    m = _NUMBERING.match(text)
    if not m:
        return None
    if m.group(1):
        word = m.group(1).lower()
        return 0 if word in ("part", "book", "unit") else 1
    num = m.group(2)
    if not num[0].isdigit():
        return None
    return num.count(".") + 1


def _heading_like(line: Line, body: float, bold_ok: bool = True) -> bool:
    text = line.text
    if len(text) > 120 or len(text.split()) > 16 or len(text) < 2 or line.mono:
        return False
    if not any(c.isalpha() for c in text) or not (text[0].isalnum() or text[0] in "“\"'("):
        return False
    if text[-1] in ",;" or is_caption(text):
        return False
    if (re.search(r"(\.\s*){3,}\s*\d+$", text) or (re.search(r"\s\d{1,4}$", text) and line.size < body * 1.15)) \
            and not _LABEL_ONLY.match(text):
        return False  # a table-of-contents line: title and page number
    if text[0].islower():
        return False
    big = line.size >= body * 1.15
    return big or (bold_ok and line.bold and line.size >= body * 0.95)


def find_headings(columns_by_page: list[list[list[Line]]], body: float, skip: set[int]) -> dict[int, _Heading]:
    """Headings from typography: larger or bold stand-alone lines, levels from size and numbering."""
    # When most body text reads as bold (fonts without weight information), bold tells nothing.
    body_lines = [ln for cols in columns_by_page for col in cols for ln in col if abs(ln.size - body) < 0.6]
    bold_ok = sum(1 for ln in body_lines if ln.bold) < 0.3 * max(1, len(body_lines))
    cands: list[list[Line]] = []
    for columns in columns_by_page:
        for col in columns:
            i = 0
            while i < len(col):
                ln = col[i]
                if id(ln) in skip or not _heading_like(ln, body, bold_ok):
                    i += 1
                    continue
                prev = col[i - 1] if i > 0 else None
                # a line that ends a paragraph's sentence mid-way is not a heading
                if prev is not None and prev.size == ln.size and prev.bold == ln.bold and id(prev) not in skip \
                        and prev.top - ln.top < 1.3 * ln.height and not _heading_like(prev, body, bold_ok):
                    i += 1
                    continue
                group = [ln]
                j = i + 1
                while j < len(col) and len(group) < 3:
                    nx = col[j]
                    if len(group) == 1 and _LABEL_ONLY.match(ln.text) and id(nx) not in skip \
                            and _heading_like(nx, body, bold_ok) and ln.bottom - nx.top < 3 * ln.height:
                        group.append(nx)  # 'Chapter 3' above the chapter's title
                        j += 1
                        continue
                    g = group[-1]
                    if id(nx) in skip or abs(nx.size - g.size) > 0.6 or nx.bold != g.bold \
                            or g.bottom - nx.top > 0.9 * g.height or not nx.text or nx.mono:
                        break
                    if _LABEL_ONLY.match(group[0].text) or (nx.text[0].islower() or len(group[-1].text) > 40):
                        group.append(nx)
                        j += 1
                        continue
                    break
                # a bold line followed on the same style by prose is a run-in label, not a heading
                nxt = col[j] if j < len(col) else None
                if not (ln.size >= body * 1.15) and nxt is not None and nxt.size == ln.size and nxt.bold \
                        and nxt.top > ln.bottom - 2:
                    i = j
                    continue
                cands.append(group)
                i = j
    if not cands:
        return {}
    # styles: (size, bold); too common a style is body text, not headings
    total_lines = sum(len(c) for cols in columns_by_page for c in cols) or 1
    style_count: Counter[tuple[float, bool]] = Counter((g[0].size, g[0].bold) for g in cands)
    styles = [s for s, n in style_count.items() if n <= max(8, 0.2 * total_lines)]
    depth_votes: dict[tuple[float, bool], Counter[int]] = defaultdict(Counter)
    for g in cands:
        d = _numbering_depth(" ".join(x.text for x in g))
        if d is not None and d >= 1:
            depth_votes[(g[0].size, g[0].bold)][d] += 1
    ordered = sorted(styles, key=lambda s: (-s[0], not s[1]))
    level_of: dict[tuple[float, bool], int | None] = {}
    for s in ordered:
        votes = depth_votes.get(s)
        if votes and sum(votes.values()) >= max(1, 0.3 * style_count[s]):
            level_of[s] = min(6, max(1, votes.most_common(1)[0][0]))
        else:
            level_of[s] = None
    # An unnumbered style ranks with the next numbered style at or below it in the order (a large
    # 'References' is a chapter like 'Chapter 3'); below every numbered style it goes one deeper.
    numbered = [s for s in ordered if level_of[s] is not None]
    if numbered:
        deepest = max(level_of[s] for s in numbered)
        for i, s in enumerate(ordered):
            if level_of[s] is None:
                below = next((t for t in ordered[i + 1:] if t in numbered), None)
                level_of[s] = level_of[below] if below is not None else min(6, deepest + 1)
    else:
        for i, s in enumerate(ordered):
            level_of[s] = min(6, i + 1)
    out: dict[int, _Heading] = {}
    for g in cands:
        s = (g[0].size, g[0].bold)
        if s not in level_of:
            continue
        text = " ".join(x.text for x in g)
        if _LABEL_ONLY.match(g[0].text) and len(g) > 1:
            text = g[0].text + ": " + " ".join(x.text for x in g[1:])
        d = _numbering_depth(text)
        level = level_of[s]
        if d is not None and d >= 1 and abs(d - level) <= 1:
            level = d
        out[id(g[0])] = _Heading(g, level, text)
    return out


# -- paragraphs -----------------------------------------------------------------------------------------
_NOT_LETTERS = str.maketrans({ch: " " for ch in "0123456789-_.,;:!?()[]{}\"'“”‘’/\\|<>=+*&^%$#@~`"})


def _vocabulary(pages: list[PageLayout]) -> tuple[Counter[str], set[str]]:
    """Words of the book (to tell 'infor-mation' from 'well-known' at a line end), in C-speed passes."""
    big = "\n".join(ln.text[:-1] if ln.hyphen_end else ln.text for page in pages for ln in page.lines).lower()
    words: Counter[str] = Counter(big.translate(_NOT_LETTERS).split())
    hyphenated: set[str] = set()
    n = len(big)
    i = big.find("-")
    while i >= 0:
        j, k = i, i + 1
        while j > 0 and big[j - 1].isalpha():
            j -= 1
        while k < n and big[k].isalpha():
            k += 1
        if j < i and k > i + 1:
            hyphenated.add(big[j:k])
        i = big.find("-", i + 1)
    return words, hyphenated


def join_hyphenated(left: str, right: str, words: Counter[str], hyphenated: set[str]) -> tuple[str, bool]:
    """Join 'infor-' + 'mation ...' as 'information ...' when the joined word is plausible."""
    m = re.search(r"([A-Za-zÀ-ÿ]+)-$", left)
    n = re.match(r"([A-Za-zÀ-ÿ]+)", right)
    if not m or not n:
        return left + right, False
    a, b = m.group(1), n.group(1)
    joined = (a + b).lower()
    compound = f"{a}-{b}".lower()
    keep = False
    if words.get(joined, 0) > 0:
        keep = False
    elif compound in hyphenated or b[0].isupper() or a.lower() in _COMPOUND_PREFIXES and len(b) > 3:
        keep = True
    if keep:
        return left + right, False
    return left[:-1] + right, True


@dataclass
class _Para:
    kind: str
    lines: list[Line]
    level: int = 0
    col_left: float = 0.0
    col_right: float = 0.0

    @property
    def indented(self) -> bool:
        return self.lines[0].x0 > self.col_left + 0.8 * self.lines[0].size

    @property
    def ends_full(self) -> bool:
        """The last line runs to the column's right edge (the paragraph may go on)."""
        return self.lines[-1].x1 >= self.col_right - 1.5 * self.lines[-1].size

    @property
    def page(self) -> int:
        return self.lines[0].page


def _in_box(ln: Line, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
    return any(l - 1 <= ln.x0 and ln.x1 <= r + 0.1 * (r - l) and b <= cy <= t and l <= cx <= r
               for l, b, r, t in boxes)


def paragraphs(column: list[Line], body: float, boxes, right_hint: float | None = None) -> list[_Para]:
    """Split one column's lines into paragraphs, list items, captions and boxed sidebars."""
    if not column:
        return []
    lefts = Counter(round(ln.x0) for ln in column if len(ln.text) > 20)
    col_left = lefts.most_common(1)[0][0] if lefts else min(ln.x0 for ln in column)
    rights = sorted(ln.x1 for ln in column if len(ln.text) > 20) or sorted(ln.x1 for ln in column)
    col_right = rights[int(0.8 * (len(rights) - 1))]
    if right_hint is not None and col_right < right_hint <= max(ln.x1 for ln in column) + 0.5 * (right_hint - col_left):
        col_right = right_hint  # a page of short lines (a reference list): the book's margin, not theirs
    heights = sorted(ln.height for ln in column)
    lh = heights[len(heights) // 2] if heights else body
    gaps = sorted(a.bottom - b.top for a, b in zip(column, column[1:]) if 0 <= a.bottom - b.top < 3 * lh)
    usual_gap = gaps[len(gaps) // 3] if gaps else 0.2 * lh
    out: list[_Para] = []
    prev: Line | None = None
    # a table row: a short line split by wide gaps, next to another such line (a justified line
    # stretched wide on its own is not a row)
    maybe = [len(ln.cells) >= 2 and not ln.mono and not ln.hyphen_end for ln in column]
    rows = [m and ((i > 0 and maybe[i - 1]) or (i + 1 < len(maybe) and maybe[i + 1]))
            for i, m in enumerate(maybe)]
    for k, ln in enumerate(column):
        text = ln.text
        boxed = _in_box(ln, boxes)
        new = prev is None
        kind = "sidebar" if boxed else "paragraph"
        level = 0
        if not new and prev is not None:
            gap = prev.bottom - ln.top
            prev_text = prev.text
            if boxed != _in_box(prev, boxes):
                new = True
            elif abs(ln.size - prev.size) > 1.0 or ln.mono != prev.mono:
                new = True
            elif gap > usual_gap + 0.45 * lh or gap < -lh:
                new = True
            elif ln.x0 > col_left + 0.8 * ln.size and prev.x0 <= col_left + 2 and ln.x0 - prev.x0 < 0.25 * (col_right - col_left) \
                    and prev_text.endswith(_SENTENCE_END):
                new = True  # first-line indent
            elif prev.x1 < col_right - 3 * ln.size and prev_text.endswith(_SENTENCE_END):
                new = True  # the previous line ended short with a full stop
            elif ln.x0 < prev.x0 - 0.8 * ln.size and prev_text.endswith(_SENTENCE_END):
                new = True  # hanging indent: the next entry starts further left
            elif is_caption(text) and (prev_text.endswith(_SENTENCE_END) or ln.size != prev.size):
                new = True
            elif _BULLET.match(text) and ln.x0 <= prev.x0 + 2:
                new = True
            elif out and out[-1].kind == "list_item" and ln.x0 < out[-1].lines[0].x0 - 2:
                new = True  # back at the margin after a list item's indented lines
            elif ln.spans[0].bold and not prev.spans[-1].bold and prev_text.endswith(_SENTENCE_END):
                new = True
        is_row = rows[k]
        if is_row and out and not new and out[-1].kind != "table":
            new = True
        elif not is_row and out and out[-1].kind == "table" and not new:
            new = True
        if is_row and out and out[-1].kind == "table" and new and prev is not None \
                and prev.bottom - ln.top < 2 * lh:
            out[-1].lines.append(ln)  # the next row of the same table
            prev = ln
            continue
        if new:
            if is_row and not boxed:
                kind = "table"
            elif _BULLET.match(text) and not boxed:
                kind, level = "list_item", 1 + int(ln.x0 > col_left + 2 * ln.size)
            elif ln.mono:
                kind = "code"
            out.append(_Para(kind, [ln], level, col_left, col_right))
        else:
            out[-1].lines.append(ln)
        prev = ln
    return out


def _para_text(lines: list[Line], words, hyphenated, stats: BookStats, kind: str = "paragraph") -> str:
    if kind == "table":
        return "\n".join(" | ".join(ln.cells) if ln.cells else ln.text for ln in lines)
    text = ""
    for i, ln in enumerate(lines):
        t = ln.text
        if not text:
            text = t
        elif lines[i - 1].hyphen_end or (text.endswith("-") and t[:1].islower() and text[-2:-1].isalpha()):
            text, joined = join_hyphenated(text, t, words, hyphenated)
            stats.dehyphenated += int(joined)
        else:
            text += " " + t
    return " ".join(text.split())


def build_blocks(pages: list[PageLayout], outline: list[tuple[int, str, int | None, float | None]],
                 use_typography: bool = True) -> tuple[list[Block], BookStats]:
    """Blocks in reading order with headings, roles and page spans; the core of the PDF reader."""
    stats = BookStats()
    body = body_size(pages)
    headings: dict[int, _Heading] = {}
    matched_entries: set[int] = set()
    if outline:
        headings = match_outline(pages, outline, body, stats, matched_entries)
        if len(outline) >= 5 and stats.outline_matched < 0.3 * len(outline):
            # bookmarks that do not point at their titles (a broken or foreign outline): the
            # typography decides alone rather than titles being dropped at the wrong pages
            stats.outline_ignored = True
            headings, outline, matched_entries = {}, [], set()
    protected = {id(ln) for h in headings.values() for ln in h.lines}
    remove_running_lines(pages, body, protected, stats)
    columns_by_page = [order_columns(p, stats) for p in pages]
    typographic = not headings and use_typography
    # a boxed feature's label ("CONNECTIONS") is not a heading of the book
    boxed = {id(ln) for p in pages if p.boxes for ln in p.lines if _in_box(ln, p.boxes)}
    if typographic:
        headings = find_headings(columns_by_page, body, boxed)
    elif headings and use_typography:
        headings.update(_deeper_headings(headings, find_headings(columns_by_page, body, set(protected) | boxed),
                                         stats))
    in_heading = {id(ln): h for h in headings.values() for ln in h.lines}
    words, hyphenated = _vocabulary(pages)
    # the right margin of single-column pages, odd and even apart (books mirror their margins)
    right_edges: dict[int, list[float]] = {0: [], 1: []}
    for page, columns in zip(pages, columns_by_page):
        if len(columns) == 1:
            right_edges[page.index % 2] += [ln.x1 for ln in columns[0] if len(ln.text) > 40]
    right_hint = {k: sorted(v)[int(0.8 * (len(v) - 1))] if len(v) >= 20 else None for k, v in right_edges.items()}
    outline_unmatched: dict[int, list[tuple[int, str, float | None]]] = defaultdict(list)
    for entry_no, (level, title, page_index, y) in enumerate(outline):
        if page_index is not None and entry_no not in matched_entries:
            outline_unmatched[page_index].append((level, title, y))
    blocks: list[Block] = []
    open_para: Block | None = None  # the last running-text paragraph, open for a continuation
    open_last: _Para | None = None  # its last piece as printed
    indent_votes: Counter[bool] = Counter()  # do paragraphs start with a first-line indent?
    for page, columns in zip(pages, columns_by_page):
        pageno = page.index + 1
        pending_outline = sorted(outline_unmatched.get(page.index, []), key=lambda e: -(e[2] or 1e9))
        for col in columns:
            first_in_column = True
            seq: list[Line] = []
            items: list[tuple[str, object]] = []
            for ln in col:
                if id(ln) in in_heading:
                    if seq:
                        items.append(("lines", seq))
                        seq = []
                    h = in_heading[id(ln)]
                    if h.lines[0] is ln:
                        items.append(("heading", h))
                else:
                    seq.append(ln)
            if seq:
                items.append(("lines", seq))
            for what, obj in items:
                if what == "heading":
                    h = obj  # type: ignore[assignment]
                    while pending_outline and (pending_outline[0][2] or 1e9) >= h.lines[0].top - 1:
                        lv, title, _y = pending_outline.pop(0)
                        blocks.append(Block(title, "heading", lv, pageno))
                    blocks.append(Block(h.text, "heading", h.level, pageno))
                    open_para = None
                    continue
                hint = right_hint[page.index % 2] if len(columns) == 1 else None
                for para in paragraphs(obj, body, page.boxes, hint):  # type: ignore[arg-type]
                    while pending_outline and (pending_outline[0][2] or 1e9) >= para.lines[0].top - 1:
                        lv, title, _y = pending_outline.pop(0)
                        blocks.append(Block(title, "heading", lv, pageno))
                        open_para = None
                    text = _para_text(para.lines, words, hyphenated, stats, para.kind)
                    if not text:
                        continue
                    kind = para.kind
                    if kind == "paragraph" and is_caption(text):
                        kind = "caption"
                    elif kind == "paragraph" and para.lines[0].size < body * 0.92 and _FOOTNOTE.match(text):
                        kind = "footnote"
                    if kind == "paragraph":
                        indent_votes[para.indented] += 1
                    uses_indents = indent_votes[True] >= 3 and indent_votes[True] >= 0.25 * sum(indent_votes.values())
                    if kind == "paragraph" and open_para is not None and first_in_column \
                            and (_continues(open_para.text, para, text) or (
                                uses_indents and open_last is not None and open_last.ends_full
                                and not para.indented and text[:1].isupper())):
                        # the paragraph runs on from the previous page
                        sep = ""
                        if open_para.text.endswith("-") and text[:1].islower():
                            joined, did = join_hyphenated(open_para.text, text, words, hyphenated)
                            stats.dehyphenated += int(did)
                            offset = len(joined) - len(text)
                            open_para.text = joined
                        else:
                            sep = " "
                            offset = len(open_para.text) + len(sep)
                            open_para.text += sep + text
                        open_last = para
                        if open_para.page_end != pageno:
                            open_para.page_breaks = open_para.page_breaks + ((offset, pageno),)
                            stats.joined_across_pages += 1
                        first_in_column = False
                        continue
                    if kind == "sidebar" and blocks and blocks[-1].kind == "sidebar" and blocks[-1].page == pageno:
                        blocks[-1].text += "\n" + text  # one boxed feature: its label and its text
                        continue
                    if kind == "list_item":
                        text = _BULLET_SYMBOL.sub("", text, count=1)
                    block = Block(text, kind, para.level, pageno)
                    lead = para.lines[0].spans[0]
                    if lead.bold and not para.lines[0].bold and len(lead.text.split()) <= 8:
                        block.term = lead.text.strip(" :.\u2014\u2013-")  # a bold run-in term (glossaries)
                    blocks.append(block)
                    if kind == "paragraph":
                        open_para = block
                        open_last = para
                    if kind not in ("caption", "sidebar", "footnote"):
                        first_in_column = False
        for lv, title, _y in pending_outline:
            blocks.append(Block(title, "heading", lv, pageno))
            open_para = None
    if typographic:
        blocks = _drop_empty_headings(blocks)
    stats.headings = sum(1 for b in blocks if b.kind == "heading")
    blocks = refine_blocks(with_heading_paths(blocks))
    return blocks, stats


def _deeper_headings(outline_heads: dict[int, _Heading], typo: dict[int, _Heading],
                     stats: BookStats) -> dict[int, _Heading]:
    """Headings the outline leaves out but the typography shows, validated against the outline: a
    numbered heading one level below the outline's deepest ('7.2.1' under '7.2'), in a type style
    the outline's own headings do not use."""
    if not outline_heads:
        return {}
    deepest = max(h.level for h in outline_heads.values())
    outline_styles = {(h.lines[0].size, h.lines[0].bold) for h in outline_heads.values()}
    numbers = set()
    for h in outline_heads.values():
        m = _NUMBERING.match(h.text.split(": ", 1)[-1])
        if m and m.group(2)[0].isdigit():
            numbers.add(m.group(2))
    out: dict[int, _Heading] = {}
    for key, h in typo.items():
        m = _NUMBERING.match(h.text)
        if not m or not m.group(2)[0].isdigit() or (h.lines[0].size, h.lines[0].bold) in outline_styles:
            continue
        num = m.group(2)
        parent = num.rsplit(".", 1)[0] if "." in num else None
        if parent and (parent in numbers or not numbers):
            h.level = deepest + 1 if num.count(".") + 1 > deepest else num.count(".") + 1
            if h.level > deepest:
                out[key] = h
    stats.headings_from_typography = len(out)
    return out


def _drop_empty_headings(blocks: list[Block]) -> list[Block]:
    """Typography also picks up title pages: a heading with nothing under it before a heading of its
    level or above is dropped (a 'Chapter'/'Part' label is kept)."""
    out: list[Block] = []
    for i, b in enumerate(blocks):
        if b.kind == "heading" and not _LABEL_ONLY.match(b.text.split(":")[0]):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt is None or (nxt.kind == "heading" and nxt.level <= b.level):
                continue
        out.append(b)
    return out


def _continues(prev_text: str, para: _Para, text: str) -> bool:
    """Does this first paragraph of a page carry on the last paragraph of the previous one?"""
    if not prev_text or prev_text.endswith(_SENTENCE_END):
        return False
    return not _BULLET.match(text) and not is_caption(text)
