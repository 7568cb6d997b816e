"""What every reader produces and every later stage consumes: text with structure and provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BLOCK_KINDS = ("heading", "paragraph", "list_item", "table", "code", "quote")


@dataclass
class Block:
    """One structural unit of a document; start/end are offsets into Document.text."""

    text: str
    kind: str = "paragraph"
    level: int = 0  # heading level (1 = top), or list nesting depth
    page: int | None = None  # 1-based page for paged formats (PDF, slides)
    heading_path: tuple[str, ...] = ()  # enclosing headings, outermost first
    start: int = 0
    end: int = 0


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

    def readable_text(self) -> str:
        """The text with its structure visible: '#' headings, '- ' list items, page markers."""
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
            else:
                out.append(block.text)
        return "\n\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "pages": self.pages,
            "warnings": list(self.warnings),
            "attribution": asdict(self.attribution),
            "blocks": [
                [b.kind, b.level, b.page, list(b.heading_path), b.text] for b in self.blocks
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        blocks = [
            Block(text=t, kind=k, level=lv, page=pg, heading_path=tuple(hp))
            for k, lv, pg, hp, t in data["blocks"]
        ]
        return cls(
            title=data.get("title") or "",
            blocks=blocks,
            attribution=Attribution(**data.get("attribution", {})),
            pages=data.get("pages"),
            warnings=list(data.get("warnings", [])),
        )


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
