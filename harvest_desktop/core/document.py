"""What every reader produces and every later stage consumes: text with structure and provenance."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# The kinds of block every reader produces (PDF, EPUB, DOCX, ODT, PPTX, HTML, Markdown, text).
#   heading     a chapter/section title; `level` 1 = chapter (top), 2 = section, ...
#   paragraph   running prose: the only kind (with list_item) that reads as the book's argument
#   list_item   one bullet or numbered item; `level` = nesting depth (1 = top)
#   quote       a block quotation, a slide's speaker notes
#   code        program text, kept verbatim
#   table       a table, one row per line, cells joined by " | "
#   caption     a figure/table caption ("Figure 1.2 ..."), kept out of the running text
#   sidebar     a boxed feature or sidebar ("CONNECTIONS", "Link to Learning", a framed box):
#               kept, but not part of the running text
#   term        a glossary / key-terms entry: `term` holds the term, `text` is "term: definition"
#               (see Block.definition)
#   reference   one entry of a references / bibliography / further-reading list
#   footnote    a note printed at the foot of a page (PDF), kept out of the running text
# Study features quiz and define only from paragraph, list_item, quote and term blocks: never from
# headings, captions, sidebars' labels, tables or references (see TEXT_KINDS / NOT_PROSE_KINDS).
BLOCK_KINDS = ("heading", "paragraph", "list_item", "quote", "code", "table", "caption", "sidebar",
               "term", "reference", "footnote")
TEXT_KINDS = frozenset({"paragraph", "list_item", "quote"})  # the running text
NOT_PROSE_KINDS = frozenset({"heading", "caption", "table", "reference", "code", "footnote"})


@dataclass
class Block:
    """One structural unit of a document; start/end are offsets into Document.text."""

    text: str
    kind: str = "paragraph"
    level: int = 0  # heading level (1 = top), or list nesting depth
    page: int | None = None  # 1-based page of the block's first character (PDF, slides)
    heading_path: tuple[str, ...] = ()  # enclosing headings, outermost first
    start: int = 0
    end: int = 0
    # A paragraph joined across a page break: (offset into text, page) for each later page it runs onto.
    page_breaks: tuple[tuple[int, int], ...] = ()
    term: str = ""  # kind == "term": the term being defined

    @property
    def page_end(self) -> int | None:
        """The page of the block's last character."""
        return self.page_breaks[-1][1] if self.page_breaks else self.page

    def page_at(self, offset: int) -> int | None:
        """The page of the character at `offset` within this block's text (for citing a sentence)."""
        page = self.page
        for at, pg in self.page_breaks:
            if offset >= at:
                page = pg
            else:
                break
        return page

    @property
    def definition(self) -> str:
        """For a term block: the definition without the term."""
        if self.term and self.text.startswith(self.term):
            return self.text[len(self.term):].lstrip(" :\u2014\u2013-\t")
        return self.text


@dataclass
class Attribution:
    """Where a text came from, kept for every citation and shown to the user."""

    location: str = ""  # path or URL as the user gave it
    final_url: str | None = None
    title: str | None = None
    author: str | None = None
    site: str | None = None
    published: str | None = None  # ISO date when known
    license: str | None = None
    fetched_at: str | None = None  # ISO timestamp, UTC
    mime: str | None = None


@dataclass
class Document:
    title: str
    blocks: list[Block]
    attribution: Attribution = field(default_factory=Attribution)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._assign_offsets()

    def _assign_offsets(self) -> None:
        pos = 0
        for block in self.blocks:
            block.start = pos
            block.end = pos + len(block.text)
            pos = block.end + 2  # blocks are joined by a blank line

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    def page_at(self, offset: int) -> int | None:
        """The page of the character at `offset` into Document.text (None for unpaged formats)."""
        import bisect

        starts = [b.start for b in self.blocks]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return self.blocks[0].page if self.blocks else None
        block = self.blocks[i]
        return block.page_at(offset - block.start)

    def readable_text(self) -> str:
        """The text with its structure visible: '#' headings, '- ' list items, fenced code, page markers."""
        out: list[str] = []
        page = None
        for block in self.blocks:
            if block.page is not None and block.page != page:
                page = block.page
                out.append(f"--- page {page} ---")
            if block.kind == "heading":
                out.append("#" * max(1, block.level) + " " + block.text)
            elif block.kind == "list_item":
                out.append("  " * max(0, block.level - 1) + "- " + block.text)
            elif block.kind == "caption":
                out.append("[Caption] " + block.text)
            elif block.kind == "sidebar":
                out.append("\n".join("| " + line for line in block.text.splitlines()))
            elif block.kind == "term" and block.term:
                out.append(f"- **{block.term}**: {block.definition}")
            elif block.kind == "reference":
                out.append("[Ref] " + block.text)
            elif block.kind == "code":  # fenced: a code line starting with '#' is not a heading
                fence = "````" if "```" in block.text else "```"
                out.append(f"{fence}\n{block.text}\n{fence}")
            else:
                out.append(block.text)
            if block.page_breaks:
                page = block.page_breaks[-1][1]
                out.append(f"--- page {page} ---")
        return "\n\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "pages": self.pages,
            "warnings": list(self.warnings),
            "attribution": asdict(self.attribution),
            # [kind, level, page, heading_path, text] and, when set, [page_breaks, term]
            "blocks": [_block_row(b) for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        blocks = []
        for row in data["blocks"]:
            k, lv, pg, hp, t = row[:5]
            breaks = tuple((int(a), int(b)) for a, b in row[5]) if len(row) > 5 and row[5] else ()
            term = row[6] if len(row) > 6 and row[6] else ""
            blocks.append(Block(text=t, kind=k, level=lv, page=pg, heading_path=tuple(hp),
                                page_breaks=breaks, term=term))
        return cls(
            title=data.get("title") or "",
            blocks=blocks,
            attribution=Attribution(**data.get("attribution", {})),
            pages=data.get("pages"),
            warnings=list(data.get("warnings", [])),
        )


def _block_row(b: Block) -> list[Any]:
    row: list[Any] = [b.kind, b.level, b.page, list(b.heading_path), b.text]
    if b.page_breaks or b.term:
        row += [[list(x) for x in b.page_breaks], b.term]
    return row


def blocks_from_plain_text(text: str, page: int | None = None) -> list[Block]:
    """Split plain text into paragraphs on blank lines; keeps a page number when given."""
    blocks: list[Block] = []
    for para in _paragraphs(text):
        blocks.append(Block(text=para, kind="paragraph", page=page))
    return blocks


def _paragraphs(text: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(stripped)
    if current:
        out.append(" ".join(current))
    return out


def structured(blocks: list[Block]) -> list[Block]:
    """What every reader hands on: heading paths filled, captions, glossary and reference entries marked."""
    return refine_blocks(with_heading_paths(blocks))


def with_heading_paths(blocks: list[Block]) -> list[Block]:
    """Fill heading_path for every block from the heading blocks that precede it."""
    stack: list[tuple[int, str]] = []
    for block in blocks:
        if block.kind == "heading":
            level = max(1, block.level or 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            block.heading_path = tuple(t for _, t in stack)
            stack.append((level, block.text))
        else:
            block.heading_path = tuple(t for _, t in stack)
    return blocks


# -- roles every reader shares: captions, glossary entries, reference lists --------------------------
CAPTION_RE = re.compile(
    r"^(?:Figure|Fig\.|Table|Exhibit|Chart|Graph|Diagram|Map|Photo|Image|Illustration|Listing|Plate)"
    r"\s+(?:[A-Z]?\d+(?:[.\-–]\d+)*[a-z]?)\s*(?:[.:|—–-]\s*|\s+(?=[A-Z(“\"']))", re.UNICODE)
GLOSSARY_HEADING_RE = re.compile(r"^(?:[\d.]+\s+)?(?:key\s+terms?|glossary|vocabulary|key\s+concepts\s+and\s+terms|"
                                 r"terms?\s+(?:and|&)\s+definitions|definitions|important\s+terms)\b", re.I)
REFERENCES_HEADING_RE = re.compile(r"^(?:[\d.]+\s+)?(?:references|bibliography|works\s+cited|literature\s+cited|"
                                   r"further\s+reading|suggested\s+readings?|sources|citations|notes\s+and\s+references)"
                                   r"\s*$", re.I)
_TERM_SPLIT = re.compile(r"^(.{1,80}?)(?:\*{0,2}\s*:\s+|\s+[—–]\s+|\s+-\s+|\t)(?=\S)")


def is_caption(text: str) -> bool:
    """'Figure 1.2 The cell ...' is a caption; 'Figure 1.2 shows that ...' is running text."""
    return bool(CAPTION_RE.match(text))


def split_term(text: str) -> tuple[str, str] | None:
    """'term: definition' (or 'term — definition') into its parts; None when it is not one."""
    m = _TERM_SPLIT.match(text)
    if not m:
        return None
    term = m.group(1).strip().strip("*_").strip()  # Markdown's **term**: definition
    if not term or len(term.split()) > 8 or term[-1] in ".?!":
        return None
    return term, text[m.end():].strip()


def refine_blocks(blocks: list[Block]) -> list[Block]:
    """Mark captions, glossary entries and reference-list entries the same way for every reader."""
    section: str | None = None  # "glossary" | "references" | None, for the current heading's content
    section_level = 0
    pending_term: Block | None = None
    out: list[Block] = []
    for block in blocks:
        if block.kind == "heading":
            if section and block.level > section_level:
                pass  # a sub-heading inside the glossary/references keeps the role
            else:
                section = ("glossary" if GLOSSARY_HEADING_RE.match(block.text) else
                           "references" if REFERENCES_HEADING_RE.match(block.text) else None)
                section_level = block.level
            pending_term = None
            out.append(block)
            continue
        if block.kind in ("paragraph", "list_item") and is_caption(block.text):
            block.kind = "caption"
        elif section == "glossary" and block.kind in ("paragraph", "list_item", "term"):
            if block.term:
                block.kind = "term"
            else:
                parts = split_term(block.text)
                if parts:
                    block.kind, block.term = "term", parts[0]
                    block.text = f"{parts[0]}: {parts[1]}"
                elif pending_term is not None and len(block.text) > len(pending_term.text):
                    # a term on its own line, its definition in the next paragraph
                    pending_term.text = f"{pending_term.term}: {block.text}"
                    pending_term = None
                    continue
                elif len(block.text) <= 60 and block.text[-1:] not in ".?!":
                    block.kind, block.term = "term", block.text.strip()
                    pending_term = block
                    out.append(block)
                    continue
        elif section == "references" and block.kind in ("paragraph", "list_item"):
            block.kind = "reference"
        if block.kind != "term":
            block.term = ""
        pending_term = None
        out.append(block)
    return out
