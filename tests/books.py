"""Test books made on the spot: a textbook PDF (reportlab), the same book as EPUB and DOCX, and the
truth about each (headings with their pages, every sentence with its page, the running heads).

    from tests.books import make_book, write_pdf
    book = make_book(pages=100, chapters=8)
    truth = write_pdf(book, tmp_path / "book.pdf", outline=True)

The PDF has what real textbooks have: a bookmark outline (optional), running heads with the page
number on alternating sides, a footer, chapter openers with a 'Chapter N' label, numbered sections,
first-line indents, words hyphenated at line ends, paragraphs running over page breaks, figures with
captions, a boxed feature ("CONNECTIONS"), a two-column chapter, a simple table and a key-terms
glossary per chapter. Used by the unit tests and the book benchmarks (100 and 1,000 pages).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

WORDS = ("cell energy membrane protein structure function system process pattern signal model data "
         "theory method result value change growth network layer surface pressure current force "
         "motion light water carbon oxygen nitrogen molecule organism tissue organ species habitat "
         "market price demand supply policy trade labor capital income budget contract history "
         "culture language society region empire border treaty river valley climate season harvest "
         "river soil mineral rock crystal wave particle field charge voltage circuit device program "
         "memory record archive library student teacher lesson chapter example evidence argument").split()
LONG_WORDS = ("photosynthesis thermodynamics characteristics representation infrastructure approximately "
              "transformation communication environmental international understanding differentiation "
              "mitochondria equilibrium classification interpretation concentration electromagnetic "
              "responsibilities investigation accumulation respiration independently "
              "circumstances organizational configuration measurement").split()
COMPOUNDS = ("well-known self-contained long-term cross-section two-dimensional high-level "
             "so-called state-owned").split()
VERBS = ("shapes controls describes explains reduces increases supports limits connects transforms "
         "produces reveals measures follows requires affects").split()
ADJ = ("small large central local stable rapid early modern common rare complex simple direct "
       "indirect internal external").split()
TOPICS = ("Cell Structure", "Energy and Matter", "Markets and Prices", "Climate Systems", "Early Empires",
          "Waves and Particles", "Soil and Water", "Networks of Trade", "Memory and Learning",
          "Electric Circuits", "Genes and Heredity", "Rivers and Valleys", "Public Policy",
          "Light and Optics", "Language and Society", "Organs and Tissues")
SECTION_TOPICS = ("Foundations", "Key Processes", "Measuring Change", "Patterns in Practice", "Open Questions",
                  "Historical Background", "Worked Examples", "Limits of the Model", "Case Studies",
                  "Applications")


@dataclass
class Para:
    sentences: list[str]


@dataclass
class Figure:
    caption: str


@dataclass
class Box:
    label: str
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    caption: str
    rows: list[list[str]]


@dataclass
class Section:
    number: str
    title: str
    items: list = field(default_factory=list)
    level: int = 2

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}"


@dataclass
class Chapter:
    number: int
    title: str
    sections: list[Section] = field(default_factory=list)
    glossary: list[tuple[str, str]] = field(default_factory=list)
    two_column: bool = False


@dataclass
class Book:
    title: str
    author: str
    chapters: list[Chapter]
    references: list[str] = field(default_factory=list)


@dataclass
class Truth:
    """What a reader should recover from the written file."""

    pages: int = 0
    # (level, printed heading text, outline title, 1-based page)
    headings: list[tuple[int, str, str, int]] = field(default_factory=list)
    # (sentence, 1-based page where it starts); sentences are unique within a book
    sentences: list[tuple[str, int]] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    boxes: list[str] = field(default_factory=list)  # the boxed feature's body text
    tables: list[str] = field(default_factory=list)  # each table as rows of " | "-joined cells
    glossary: list[tuple[str, str]] = field(default_factory=list)
    list_items: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)  # every running head / footer string printed
    hyphenated: list[str] = field(default_factory=list)  # words split at a line end (as they should read)
    joined_across_pages: int = 0  # paragraphs that run over a page break
    spanning: list[str] = field(default_factory=list)  # the first sentence of each of them


def _sentence(rng: random.Random, serial: int) -> str:
    n = rng.randint(9, 18)
    words = []
    for i in range(n):
        r = rng.random()
        if r < 0.12:
            words.append(rng.choice(LONG_WORDS))
        elif r < 0.16:
            words.append(rng.choice(COMPOUNDS))
        elif r < 0.3:
            words.append(rng.choice(ADJ))
        elif i == 2:
            words.append(rng.choice(VERBS))
        else:
            words.append(rng.choice(WORDS))
    words.insert(1, f"s{serial:05d}")  # keeps every sentence unique and findable
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?"])


def make_book(pages: int = 24, chapters: int = 3, sections: int = 3, seed: int = 7,
              two_column_chapter: int | None = 2, subsections: bool = True) -> Book:
    """A book's content sized to fill about `pages` letter pages."""
    rng = random.Random(seed)
    serial = 0
    chars_total = pages * 4200
    per_section = max(400, chars_total // max(1, chapters * sections))
    chs: list[Chapter] = []
    for c in range(1, chapters + 1):
        ch = Chapter(c, TOPICS[(c - 1) % len(TOPICS)] + ("" if c <= len(TOPICS) else f" {c}"),
                     two_column=(two_column_chapter == c))
        for s in range(1, sections + 1):
            sec = Section(f"{c}.{s}", SECTION_TOPICS[(c + s) % len(SECTION_TOPICS)])
            size = 0
            k = 0
            while size < per_section:
                para = []
                for _ in range(rng.randint(3, 7)):
                    serial += 1
                    para.append(_sentence(rng, serial))
                sec.items.append(Para(para))
                size += sum(len(x) + 1 for x in para)
                k += 1
                if k == 3 and s == 1:
                    sec.items.append(Figure(f"Figure {c}.{s} The {rng.choice(ADJ)} {rng.choice(WORDS)} of the "
                                            f"{rng.choice(WORDS)} in a {rng.choice(ADJ)} {rng.choice(WORDS)}."))
                if k == 4 and s == 2:
                    serial += 1
                    sec.items.append(Box("CONNECTIONS", f"Everyday link b{serial:05d}: the {rng.choice(WORDS)} "
                                         f"of a {rng.choice(ADJ)} {rng.choice(WORDS)} {rng.choice(VERBS)} "
                                         f"the {rng.choice(WORDS)} you see at home."))
                if k == 2 and s == 1:
                    sec.items.append(Bullets([f"Point {c}.{i}: the {rng.choice(ADJ)} {rng.choice(WORDS)} "
                                              f"{rng.choice(VERBS)} the {rng.choice(WORDS)}." for i in range(1, 4)]))
                if k == 5 and s == 3:
                    sec.items.append(Table(f"Table {c}.{s} Measured values of the {rng.choice(WORDS)}",
                                           [["Sample", "Mass", "Volume"]] +
                                           [[f"T{c}{i}", f"{rng.randint(10, 99)}", f"{rng.randint(100, 999)}"]
                                            for i in range(1, 4)]))
                if subsections and k == 2 and s == 2:
                    sub = Section(f"{c}.{s}.1", "A Closer Look", level=3)
                    for _ in range(2):
                        para2 = []
                        for _ in range(rng.randint(3, 6)):
                            serial += 1
                            para2.append(_sentence(rng, serial))
                        sub.items.append(Para(para2))
                    sec.items.append(sub)
            ch.sections.append(sec)
        terms = rng.sample(LONG_WORDS, 4)
        ch.glossary = [(t, f"the {rng.choice(ADJ)} {rng.choice(WORDS)} of a {rng.choice(WORDS)} "
                           f"(chapter {c}).") for t in terms]
        chs.append(ch)
    refs = [f"Author{i}, A. ({1990 + i}). The {rng.choice(ADJ)} {rng.choice(WORDS)} of {rng.choice(WORDS)}. "
            f"Journal of {rng.choice(WORDS).capitalize()} Studies, {i}(2), {10 * i}-{10 * i + 9}."
            for i in range(1, 6)]
    return Book("Principles of Everything", "A. Author", chs, refs)


# -- PDF -----------------------------------------------------------------------------------------------
_W, _H = 612.0, 792.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 72.0, 540.0, 708.0, 80.0
_BODY, _LEAD = 10.5, 13.2


class _PdfWriter:
    def __init__(self, path: Path, book: Book, outline: bool) -> None:
        from reportlab.pdfgen import canvas

        self.c = canvas.Canvas(str(path), pagesize=(_W, _H))
        self.c.setTitle(book.title)
        self.c.setAuthor(book.author)
        self.book = book
        self.outline = outline
        self.truth = Truth()
        self.page = 1
        self.chapter: Chapter | None = None
        self.cols = [(_LEFT, _RIGHT)]
        self.col = 0
        self.y = _TOP
        self.page_has_content = False
        self.bm = 0
        self.col_top = _TOP
        self.col_top_page = 0
        self.in_paragraph: Para | None = None

    # page furniture
    def _furniture(self) -> None:
        c = self.c
        c.setFont("Times-Roman", 9)
        if self.chapter is not None:
            if self.page % 2 == 0:
                head = f"{self.page}    {self.book.title}"
                c.drawString(_LEFT, 740, head)
            else:
                head = f"Chapter {self.chapter.number}  {self.chapter.title}    {self.page}"
                c.drawRightString(_RIGHT, 740, head)
            self.truth.running.append(head)
            c.line(_LEFT, 735, _RIGHT, 735)
        foot = "Harvest Test Press  |  Licensed CC BY 4.0"
        c.setFont("Helvetica", 8)
        c.drawCentredString(_W / 2, 50, foot)
        self.truth.running.append(foot)

    def new_page(self) -> None:
        if self.in_paragraph is not None and self.page % 3 == 0 and len(self.cols) == 1:
            # a footnote at the foot of a page a paragraph runs off: it sits between the two halves
            note = (f"{len(self.truth.footnotes) + 1} See the appendix for the "
                    f"{self.in_paragraph.sentences[0].split()[0].lower()} data.")
            self.c.setFont("Times-Roman", 8)
            self.c.drawString(_LEFT, 64, note)
            self.truth.footnotes.append(note)
        self._furniture()
        self.c.showPage()
        self.page += 1
        self.col = 0
        self.y = _TOP

    def _advance(self, height: float) -> None:
        """Make room for `height` points in the current column, moving to the next column/page."""
        if self.y - height < _BOTTOM:
            if self.col + 1 < len(self.cols):
                self.col += 1
                self.y = self.col_top if self.page == self.col_top_page else _TOP
            else:
                self.new_page()

    def _bookmark(self, title: str, level: int) -> None:
        if not self.outline:
            return
        self.bm += 1
        key = f"b{self.bm}"
        self.c.bookmarkHorizontal(key, 0, self.y + 20)
        self.c.addOutlineEntry(title, key, level=level, closed=False)

    def heading(self, text: str, outline_title: str, level: int, size: float, space_before: float) -> None:
        self._advance(space_before + size * 3)
        self.y -= space_before
        self._bookmark(outline_title, level - 1)
        self.c.setFont("Helvetica-Bold", size)
        x0, x1 = self.cols[self.col]
        self.c.drawString(x0, self.y - size, text)
        self.truth.headings.append((level, text, outline_title, self.page))
        self.y -= size * 1.6

    def chapter_open(self, ch: Chapter) -> None:
        if self.page_has_content:
            self.new_page()
        self.chapter = ch
        self.cols = [(_LEFT, _RIGHT)]
        self.col = 0
        self.y = _TOP - 30
        self._bookmark(ch.title, 0)
        self.c.setFont("Helvetica-Bold", 16)
        self.c.drawString(_LEFT, self.y, f"Chapter {ch.number}")
        self.y -= 34
        self.c.setFont("Helvetica-Bold", 22)
        self.c.drawString(_LEFT, self.y, ch.title)
        self.truth.headings.append((1, f"Chapter {ch.number}: {ch.title}", ch.title, self.page))
        self.y -= 36
        self.page_has_content = True
        if ch.two_column:
            mid = (_LEFT + _RIGHT) / 2
            self.cols = [(_LEFT, mid - 9), (mid + 9, _RIGHT)]
            # the two columns start below the chapter title on this page
            self.col_top = self.y
            self.col_top_page = self.page

    def _wrap(self, words: list[str], width: float, font: str, size: float, indent: float,
              hyphenate: bool = True):
        """Lines of (text, hyphenated word or None); long words split at a line end with a hyphen."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        lines: list[tuple[str, str | None]] = []
        cur = ""
        avail = width - indent
        space = stringWidth(" ", font, size)
        cur_w = 0.0
        split_word = None
        i = 0
        while i < len(words):
            w = words[i]
            ww = stringWidth(w, font, size)
            need = ww + (space if cur else 0)
            if cur_w + need <= avail:
                cur = f"{cur} {w}" if cur else w
                cur_w += need
                i += 1
                continue
            # try to hyphenate: at an existing hyphen, or inside a long word
            room = avail - cur_w - (space if cur else 0)
            head = tail = None
            if not hyphenate:
                pass
            elif "-" in w:
                a, b = w.split("-", 1)
                if stringWidth(a + "-", font, size) <= room:
                    head, tail = a + "-", b
            elif len(w) >= 9:
                for cut in range(len(w) - 4, 3, -1):
                    if stringWidth(w[:cut] + "-", font, size) <= room:
                        head, tail = w[:cut] + "-", w[cut:]
                        break
            if head is not None:
                cur = f"{cur} {head}" if cur else head
                lines.append((cur, w.strip(".?,")))
                words[i] = tail  # type: ignore[assignment]
            else:
                lines.append((cur, None))
            cur, cur_w, avail = "", 0.0, width
            if head is None and not lines[-1][0]:
                lines[-1] = (w, None)  # a word wider than the column
                i += 1
        if cur:
            lines.append((cur, None))
        del split_word
        return lines

    def _draw_justified(self, line: str, x: float, y: float, right: float, font: str, size: float,
                        last: bool) -> None:
        """Justified like a printed book: every line but a paragraph's last reaches the right margin."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        t = self.c.beginText(x, y)
        t.setFont(font, size)
        gaps = line.count(" ")
        if not last and gaps:
            t.setWordSpace(max(0.0, (right - x - stringWidth(line, font, size)) / gaps))
        t.textLine(line)
        self.c.drawText(t)

    def paragraph(self, para: Para, first: bool) -> None:
        font = "Times-Roman"
        x0, x1 = self.cols[self.col]
        width = x1 - x0
        text = " ".join(para.sentences)
        words = text.split()
        indent = 0.0 if first else 14.0
        lines = self._wrap(words, width, font, _BODY, indent)
        # the page of each sentence: where its first word is printed
        starts = {}
        pos = 0
        for s in para.sentences:
            starts[pos] = s
            pos += len(s.split())
        word_no = 0
        start_page = None
        self.in_paragraph = para
        for li, (line, hyph) in enumerate(lines):
            self._advance(_LEAD)
            x0, x1 = self.cols[self.col]
            if start_page is None:
                start_page = self.page
            self._draw_justified(line, x0 + (indent if li == 0 else 0), self.y - _BODY, x1, font, _BODY,
                                 last=li == len(lines) - 1)
            for _w in line.split():
                if word_no in starts:
                    self.truth.sentences.append((starts.pop(word_no), self.page))
                if not _w.endswith("-") or hyph is None:
                    word_no += 1
            if hyph is not None:
                self.truth.hyphenated.append(hyph)
                word_no += 0  # the tail's word is counted on the next line
            self.y -= _LEAD
        self.in_paragraph = None
        if start_page is not None and start_page != self.page:
            self.truth.joined_across_pages += 1
            self.truth.spanning.append(para.sentences[0])
        self.page_has_content = True

    def figure(self, fig: Figure) -> None:
        self._advance(120 + 30)
        x0, x1 = self.cols[self.col]
        self.y -= 8
        self.c.setFillGray(0.85)
        self.c.rect(x0 + 20, self.y - 100, (x1 - x0) - 40, 100, stroke=0, fill=1)
        self.c.setFillGray(0)
        self.y -= 112
        self.c.setFont("Helvetica-Oblique", 9)
        for line, _h in self._wrap(fig.caption.split(), x1 - x0, "Helvetica-Oblique", 9, 0, hyphenate=False):
            self.c.drawString(x0, self.y - 9, line)
            self.y -= 11
        self.truth.captions.append(fig.caption)
        self.y -= 11

    def box(self, box: Box) -> None:
        font = "Helvetica"
        x0, x1 = self.cols[self.col]
        lines = self._wrap(box.text.split(), (x1 - x0) - 24, font, 9.5, 0)
        h = 26 + len(lines) * 12 + 12
        self._advance(h + 12)
        x0, x1 = self.cols[self.col]
        self.y -= 6
        self.c.setStrokeGray(0.3)
        self.c.setFillGray(0.93)
        self.c.rect(x0, self.y - h, x1 - x0, h, stroke=1, fill=1)
        self.c.setFillGray(0)
        self.c.setFont("Helvetica-Bold", 9.5)
        self.c.drawString(x0 + 12, self.y - 18, box.label)
        yy = self.y - 34
        self.c.setFont(font, 9.5)
        for line, hyph in lines:
            self.c.drawString(x0 + 12, yy, line)
            if hyph:
                self.truth.hyphenated.append(hyph)
            yy -= 12
        self.truth.boxes.append(box.text)
        self.y -= h + 14

    def bullets(self, bl: Bullets) -> None:
        for item in bl.items:
            x0, x1 = self.cols[self.col]
            lines = self._wrap(item.split(), (x1 - x0) - 18, "Times-Roman", _BODY, 0, hyphenate=False)
            self._advance(_LEAD * len(lines) + 4)
            x0, x1 = self.cols[self.col]
            self.c.setFont("Times-Roman", _BODY)
            self.c.drawString(x0 + 6, self.y - _BODY, "\u2022")
            for line, _h in lines:
                self.c.drawString(x0 + 18, self.y - _BODY, line)
                self.y -= _LEAD
            self.y -= 4
            self.truth.list_items.append(item)

    def references(self) -> None:
        if not self.book.references:
            return
        self.new_page()
        self.chapter = None
        self.cols = [(_LEFT, _RIGHT)]
        self.col = 0
        self.y = _TOP - 30
        self._bookmark("References", 0)
        self.c.setFont("Helvetica-Bold", 22)
        self.c.drawString(_LEFT, self.y, "References")
        self.truth.headings.append((1, "References", "References", self.page))
        self.y -= 36
        for ref in self.book.references:
            lines = self._wrap(ref.split(), _RIGHT - _LEFT, "Times-Roman", _BODY, 0, hyphenate=False)
            self._advance(_LEAD * len(lines) + 6)
            self.c.setFont("Times-Roman", _BODY)
            for i, (line, _h) in enumerate(lines):
                self.c.drawString(_LEFT + (18 if i else 0), self.y - _BODY, line)
                self.y -= _LEAD
            self.y -= 6
            self.truth.references.append(ref)

    def table(self, table: Table) -> None:
        h = 20 + 14 * len(table.rows) + 10
        self._advance(h)
        x0, x1 = self.cols[self.col]
        self.c.setFont("Helvetica-Oblique", 9)
        self.c.drawString(x0, self.y - 10, table.caption)
        self.truth.captions.append(table.caption)
        self.truth.tables.append("\n".join(" | ".join(r) for r in table.rows))
        yy = self.y - 28
        colw = min(110.0, (x1 - x0) / len(table.rows[0]))
        for r, row in enumerate(table.rows):
            self.c.setFont("Helvetica-Bold" if r == 0 else "Helvetica", 9)
            for k, cell in enumerate(row):
                self.c.drawString(x0 + 10 + k * colw, yy, cell)
            yy -= 14
        self.y -= h

    def glossary(self, ch: Chapter) -> None:
        self.heading(f"{ch.number}.{len(ch.sections) + 1} Key Terms", "Key Terms", 2, 13, 12)
        for term, definition in ch.glossary:
            self._advance(2 * _LEAD)
            x0, x1 = self.cols[self.col]
            self.c.setFont("Times-Bold", _BODY)
            self.c.drawString(x0, self.y - _BODY, term)
            from reportlab.pdfbase.pdfmetrics import stringWidth

            tw = stringWidth(term + " ", "Times-Bold", _BODY)
            self.c.setFont("Times-Roman", _BODY)
            self.c.drawString(x0 + tw + 3, self.y - _BODY, definition)
            self.truth.glossary.append((term, definition))
            self.y -= _LEAD + 4

    def section(self, sec: Section) -> None:
        size = 14 if sec.level == 2 else 11.5
        self.heading(sec.heading, sec.title, sec.level, size, 14 if sec.level == 2 else 8)
        first = True
        for item in sec.items:
            if isinstance(item, Para):
                self.paragraph(item, first)
                first = False
            elif isinstance(item, Figure):
                self.figure(item)
            elif isinstance(item, Box):
                self.box(item)
            elif isinstance(item, Table):
                self.table(item)
            elif isinstance(item, Bullets):
                self.bullets(item)
                first = True
            elif isinstance(item, Section):
                self.section(item)
                first = True

    def write(self) -> Truth:
        # a title page without running heads
        self.c.setFont("Helvetica-Bold", 28)
        self.c.drawCentredString(_W / 2, 600, self.book.title)
        self.c.setFont("Helvetica", 14)
        self.c.drawCentredString(_W / 2, 560, self.book.author)
        self.c.showPage()
        self.page = 2
        for ch in self.book.chapters:
            self.page_has_content = True
            self.chapter_open(ch)
            for sec in ch.sections:
                self.section(sec)
            self.glossary(ch)
        self.references()
        self._furniture()
        self.c.showPage()
        self.c.save()
        self.truth.pages = self.page
        return self.truth


def write_pdf(book: Book, path: Path, outline: bool = True) -> Truth:
    """Write the book as a PDF; returns what a reader should find in it."""
    return _PdfWriter(Path(path), book, outline).write()


# -- EPUB and DOCX with the same content -------------------------------------------------------------------
def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_epub(book: Book, path: Path, headings_in_text: bool = True) -> None:
    """The book as EPUB 3; without headings_in_text the chapter titles are only in the navigation
    document and sections are marked one level deeper (h3), as some real EPUBs do."""
    import zipfile

    chapters_xhtml = []
    nav_items = []
    for ch in book.chapters:
        body = ['<section epub:type="chapter">' + (f'<h1 id="c{ch.number}">Chapter {ch.number}: {_esc(ch.title)}</h1>'
                                                   if headings_in_text else "")]
        subnav = []

        def emit(sec: Section) -> None:
            tag = f"h{sec.level + (0 if headings_in_text else 1)}"
            body.append(f'<{tag} id="s{sec.number}">{_esc(sec.heading)}</{tag}>')
            if sec.level == 2:
                subnav.append(f'<li><a href="ch{ch.number}.xhtml#s{sec.number}">{_esc(sec.heading)}</a></li>')
            for item in sec.items:
                if isinstance(item, Para):
                    body.append(f"<p>{_esc(' '.join(item.sentences))}</p>")
                elif isinstance(item, Figure):
                    body.append(f'<figure><img src="x.png" alt=""/><figcaption>{_esc(item.caption)}</figcaption>'
                                "</figure>")
                elif isinstance(item, Box):
                    body.append(f'<aside class="feature"><p class="label">{item.label}</p><p>{_esc(item.text)}</p>'
                                "</aside>")
                elif isinstance(item, Bullets):
                    body.append("<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in item.items) + "</ul>")
                elif isinstance(item, Table):
                    rows = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in item.rows)
                    body.append(f"<table><caption>{_esc(item.caption)}</caption>{rows}</table>")
                elif isinstance(item, Section):
                    emit(item)

        for sec in ch.sections:
            emit(sec)
        ktag = "h2" if headings_in_text else "h3"
        body.append(f'<{ktag} id="k{ch.number}">{ch.number}.{len(ch.sections) + 1} Key Terms</{ktag}><dl>')
        body += [f"<dt>{_esc(t)}</dt><dd>{_esc(d)}</dd>" for t, d in ch.glossary]
        body.append("</dl></section>")
        chapters_xhtml.append(
            '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>'
            f"{_esc(ch.title)}</title></head><body>{''.join(body)}</body></html>")
        subnav.append(f'<li><a href="ch{ch.number}.xhtml#k{ch.number}">{ch.number}.{len(ch.sections) + 1} '
                      "Key Terms</a></li>")
        nav_items.append(f'<li><a href="ch{ch.number}.xhtml">Chapter {ch.number}: {_esc(ch.title)}</a>'
                         f"<ol>{''.join(subnav)}</ol></li>")
    if book.references:
        refs = "".join(f"<p>{_esc(r)}</p>" for r in book.references)
        chapters_xhtml.append('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
                              f"<head><title>References</title></head><body><h1>References</h1>{refs}</body></html>")
        nav_items.append(f'<li><a href="ch{len(chapters_xhtml)}.xhtml">References</a></li>')
    nav = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
           'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
           f'<nav epub:type="toc"><h1>Contents</h1><ol>{"".join(nav_items)}</ol></nav></body></html>')
    manifest = "".join(f'<item id="c{i}" href="ch{i}.xhtml" media-type="application/xhtml+xml"/>'
                       for i in range(1, len(chapters_xhtml) + 1))
    spine = '<itemref idref="nav"/>' + "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(chapters_xhtml) + 1))
    opf = ('<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f'<dc:identifier id="id">test-book</dc:identifier><dc:title>{_esc(book.title)}</dc:title>'
           f"<dc:creator>{_esc(book.author)}</dc:creator><dc:language>en</dc:language></metadata>"
           f'<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           f"{manifest}</manifest><spine>{spine}</spine></package>")
    container = ('<?xml version="1.0"?>\n<container version="1.0" '
                 'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                 '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                 "</rootfiles></container>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/content.opf", opf)
        zf.writestr("OEBPS/nav.xhtml", nav)
        for i, x in enumerate(chapters_xhtml, start=1):
            zf.writestr(f"OEBPS/ch{i}.xhtml", x)


def write_docx(book: Book, path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = book.title
    d.core_properties.author = book.author

    def emit(sec: Section) -> None:
        d.add_heading(sec.heading, level=sec.level)
        for item in sec.items:
            if isinstance(item, Para):
                d.add_paragraph(" ".join(item.sentences))
            elif isinstance(item, Figure):
                d.add_paragraph(item.caption, style="Caption")
            elif isinstance(item, Box):
                cell = d.add_table(rows=1, cols=1).cell(0, 0)
                cell.paragraphs[0].add_run(item.label).bold = True
                cell.add_paragraph(item.text)
            elif isinstance(item, Bullets):
                for x in item.items:
                    d.add_paragraph(x, style="List Bullet")
            elif isinstance(item, Table):
                d.add_paragraph(item.caption, style="Caption")
                t = d.add_table(rows=len(item.rows), cols=len(item.rows[0]))
                for r, row in enumerate(item.rows):
                    for k, cell in enumerate(row):
                        t.cell(r, k).text = cell
            elif isinstance(item, Section):
                emit(item)

    for ch in book.chapters:
        d.add_heading(f"Chapter {ch.number}: {ch.title}", level=1)
        for sec in ch.sections:
            emit(sec)
        d.add_heading(f"{ch.number}.{len(ch.sections) + 1} Key Terms", level=2)
        for term, definition in ch.glossary:
            p = d.add_paragraph()
            p.add_run(term).bold = True
            p.add_run(": " + definition)
    if book.references:
        d.add_heading("References", level=1)
        for ref in book.references:
            d.add_paragraph(ref)
    d.save(str(path))


def all_sentences(book: Book) -> list[str]:
    out: list[str] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, Para):
                out.extend(item.sentences)
            elif isinstance(item, Section):
                walk(item.items)

    for ch in book.chapters:
        for sec in ch.sections:
            walk(sec.items)
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
