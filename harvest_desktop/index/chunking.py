"""Split a Document into passages that keep page, section and character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harvest_desktop.core.document import Block, Document

TARGET_CHARS = 900
MAX_CHARS = 1500
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


@dataclass
class ChunkSpec:
    ord: int
    text: str
    page: int | None
    heading_path: tuple[str, ...]
    start: int
    end: int


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
                                    group[0].start, group[-1].end))
        group.clear()
        size = 0

    for block in doc.blocks:
        if block.kind == "heading":
            flush()
            continue
        if group and (block.page != group[0].page or block.heading_path != group[0].heading_path):
            flush()
        if len(block.text) > hard_max:
            flush()
            for start, piece in _split_long(block.text, target):
                chunks.append(ChunkSpec(len(chunks), piece, block.page, block.heading_path,
                                        block.start + start, block.start + start + len(piece)))
            continue
        if size and size + len(block.text) > target:
            flush()
        group.append(block)
        size += len(block.text) + 1
    flush()
    return chunks


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
