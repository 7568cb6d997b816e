"""Plain text and Markdown readers; bytes are decoded with charset detection."""

from __future__ import annotations

import re
from pathlib import Path

from harvest_desktop.core.document import Block, Document, blocks_from_plain_text, structured
from harvest_desktop.core.errors import BadInput

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")


def decode_bytes(data: bytes, item: str) -> str:
    """Decode text in any common encoding; refuse binary data that only looks like text."""
    if not data.strip():
        raise BadInput("the file is empty", item=item, hint="pick a file with some text in it")
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        text = data.decode(_guess_encoding(from_bytes(data[:2_000_000]), item), errors="replace")
    sample = text[:20000]
    if sample and sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t\f") / len(sample) > 0.05:
        raise BadInput("the file looks like binary data, not text", item=item,
                       hint="check that the file extension matches its content")
    return text.replace("\x00", "")


# When detection cannot tell single-byte code pages apart, the most widespread one wins.
_PREFERRED = ("cp1252", "latin_1", "iso8859_15", "utf_16", "cp1251", "shift_jis", "gb18030", "euc_kr")


def _guess_encoding(matches, item: str) -> str:
    best = matches.best()
    if best is None:
        raise BadInput("the file is not text in any known encoding", item=item,
                       hint="check that the file extension matches its content")
    tied = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    for name in _PREFERRED:
        for m in tied:
            if m.encoding == name:
                return name
    return best.encoding


def read_text(path: Path, data: bytes) -> Document:
    text = decode_bytes(data, path.name)
    blocks = blocks_from_plain_text(text)
    if not blocks:
        raise BadInput("the file has no text", item=path.name)
    return Document(title=path.stem, blocks=blocks)


def markdown_blocks(text: str) -> list[Block]:
    """Headings, list items and paragraphs from Markdown; code fences kept as code blocks."""
    blocks: list[Block] = []
    para: list[str] = []
    lines = text.splitlines()
    in_code = False
    code: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block(text=" ".join(para), kind="paragraph"))
            para.clear()

    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            if in_code:
                if code:
                    blocks.append(Block(text="\n".join(code), kind="code"))
                code = []
                in_code = False
            else:
                flush()
                in_code = True
            continue
        if in_code:
            code.append(line)
            continue
        heading = _MD_HEADING.match(stripped)
        if heading and heading.group(2):
            flush()
            blocks.append(Block(text=heading.group(2), kind="heading", level=len(heading.group(1))))
            continue
        if _SETEXT.match(stripped) and para and i > 0 and lines[i - 1].strip():
            title = para.pop()
            flush()
            blocks.append(Block(text=title, kind="heading", level=1 if stripped[0] == "=" else 2))
            continue
        item = _MD_LIST.match(line)
        if item:
            flush()
            indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
            blocks.append(Block(text=item.group(1).strip(), kind="list_item", level=indent // 2 + 1))
            continue
        if not stripped:
            flush()
            continue
        if stripped.startswith(">"):
            flush()
            blocks.append(Block(text=stripped.lstrip("> ").strip(), kind="quote"))
            continue
        para.append(stripped)
    flush()
    if code:
        blocks.append(Block(text="\n".join(code), kind="code"))
    return structured([b for b in blocks if b.text.strip()])


def read_markdown(path: Path, data: bytes) -> Document:
    text = decode_bytes(data, path.name)
    blocks = markdown_blocks(text)
    if not blocks:
        raise BadInput("the file has no text", item=path.name)
    title = next((b.text for b in blocks if b.kind == "heading"), path.stem)
    return Document(title=title, blocks=blocks)


def read_rtf(path: Path, data: bytes) -> Document:
    """RTF through striprtf; every non-empty line of the result is a paragraph."""
    item = path.name
    if not data.lstrip().startswith(b"{\\rtf"):
        raise BadInput("the file is not RTF (no {\\rtf header)", item=item,
                       hint="check that the file extension matches its content")
    from striprtf.striprtf import rtf_to_text

    raw = data.decode("cp1252", errors="replace")
    try:
        text = rtf_to_text(raw, errors="replace")
    except (ValueError, IndexError, KeyError, UnicodeError, RecursionError) as exc:
        raise BadInput(f"the RTF cannot be read ({exc.__class__.__name__})", item=item,
                       hint="the file may be damaged") from None
    blocks = [Block(text=" ".join(line.split()), kind="paragraph") for line in text.splitlines() if line.strip()]
    if not blocks:
        raise BadInput("the RTF file has no text", item=item)
    return Document(title=path.stem, blocks=blocks)


def read_csv(path: Path, data: bytes, max_chars: int) -> Document:
    """CSV: one table block per row, each cell labelled with its column header."""
    import csv
    import io

    item = path.name
    text = decode_bytes(data, item)
    sample = text[:64 * 1024]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(max(1, min(max_chars, 2**31 - 1)))
    reader = csv.reader(io.StringIO(text), dialect)
    blocks: list[Block] = []
    header: list[str] | None = None
    try:
        for row in reader:
            cells = [" ".join(c.split()) for c in row]
            if not any(cells):
                continue
            if header is None:
                header = cells
                blocks.append(Block(text=" | ".join(c for c in cells if c), kind="table"))
                continue
            labelled = [f"{h}: {c}" if h else c for h, c in zip(header + [""] * len(cells), cells) if c]
            blocks.append(Block(text="; ".join(labelled), kind="table"))
    except csv.Error as exc:
        raise BadInput(f"the CSV cannot be read ({exc})", item=item) from None
    if not blocks:
        raise BadInput("the CSV file has no rows", item=item)
    return Document(title=path.stem, blocks=blocks)
