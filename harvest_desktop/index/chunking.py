"""Split a Document into passages that keep page range, section path, kind and character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harvest_desktop.core.document import Block, Document

TARGET_CHARS = 900
MAX_CHARS = 1500
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


# What a chunk holds, from its blocks' kinds: running text never shares a chunk with a caption,
# a boxed sidebar, a table, glossary entries or a reference list.
CHUNK_KINDS = {"paragraph": "text", "list_item": "text", "quote": "text", "code": "text", "table": "table",
               "caption": "caption", "sidebar": "sidebar", "term": "glossary", "reference": "references",
               "footnote": "notes"}


@dataclass
class ChunkSpec:
    ord: int
    text: str
    page: int | None  # page of the first character
    heading_path: tuple[str, ...]
    start: int
    end: int
    page_end: int | None = None  # page of the last character
    kind: str = "text"  # text (prose, lists, code) | caption | sidebar | table | glossary | references | notes


def chunk_document(doc: Document, target: int = TARGET_CHARS, hard_max: int = MAX_CHARS) -> list[ChunkSpec]:
    """Group consecutive blocks of one section and page up to ~target chars; split long blocks."""
    chunks: list[ChunkSpec] = []
    group: list[Block] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if group:
            text = "\n".join(b.text for b in group)
            chunks.append(ChunkSpec(len(chunks), text, group[0].page, group[0].heading_path,
                                    group[0].start, group[-1].end, _last_page(group),
                                    CHUNK_KINDS.get(group[0].kind, "text")))
        group.clear()
        size = 0

    for block in doc.blocks:
        if block.kind == "heading":
            flush()
            continue
        kind = CHUNK_KINDS.get(block.kind, "text")
        if group and (block.heading_path != group[0].heading_path
                      or kind != CHUNK_KINDS.get(group[0].kind, "text")
                      or (block.page is not None and group[-1].page_end is not None
                          and block.page - group[-1].page_end > 1)):
            flush()
        if len(block.text) > hard_max:
            flush()
            for start, piece in _split_long(block.text, target):
                chunks.append(ChunkSpec(len(chunks), piece, block.page_at(start), block.heading_path,
                                        block.start + start, block.start + start + len(piece),
                                        block.page_at(start + len(piece) - 1), kind))
            continue
        if size and size + len(block.text) > target:
            flush()
        group.append(block)
        size += len(block.text) + 1
    flush()
    return chunks


def _last_page(blocks: list[Block]) -> int | None:
    pages = [b.page_end for b in blocks if b.page_end is not None]
    return max(pages) if pages else None


def _split_long(text: str, target: int) -> list[tuple[int, str]]:
    """Split at sentence ends near target; falls back to hard cuts for run-on text."""
    out: list[tuple[int, str]] = []
    pos = 0
    n = len(text)
    while pos < n:
        end = min(n, pos + target)
        if end < n:
            window = text[pos:min(n, pos + int(target * 1.5))]
            cut = None
            for m in _SENTENCE_END.finditer(window):
                if m.start() >= target * 0.5:
                    cut = m.start()
                    if m.start() >= target:
                        break
            if cut is None:
                space = text.rfind(" ", pos + target // 2, pos + target)
                cut = (space - pos) if space > pos else target
            end = pos + cut
        piece = text[pos:end].strip()
        if piece:
            out.append((pos + (len(text[pos:end]) - len(text[pos:end].lstrip())), piece))
        pos = end
        while pos < n and text[pos].isspace():
            pos += 1
    return out
