"""EPUB reader: a zip of XHTML chapters in spine order; metadata from the OPF package file."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

from harvest_desktop.acquire.html import xhtml_blocks
from harvest_desktop.acquire.safety import open_package, parse_xml, read_member
from harvest_desktop.core.document import Block, Document, structured
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits

_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"


def read_epub(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    item = path.name
    zf = open_package(data, limits, item, "EPUB", "META-INF/container.xml", "an EPUB")
    names = set(zf.namelist())
    container = parse_xml(read_member(zf, "META-INF/container.xml", limits, item), item, "the EPUB container")
    rootfile = container.find(f".//{{{_CONTAINER}}}rootfile")
    opf_path = rootfile.get("full-path") if rootfile is not None else None
    if not opf_path or opf_path not in names:
        raise BadInput("the EPUB does not say where its package file is", item=item, hint="the file may be damaged")
    opf = parse_xml(read_member(zf, opf_path, limits, item), item, "the EPUB package file")
    base = posixpath.dirname(opf_path)
    manifest: dict[str, tuple[str, str]] = {}
    for el in opf.iter(f"{{{_OPF}}}item"):
        href = el.get("href")
        if el.get("id") and href:
            full = posixpath.normpath(posixpath.join(base, unquote(href)))
            manifest[el.get("id")] = (full, el.get("media-type", ""))
    spine = [el.get("idref") for el in opf.iter(f"{{{_OPF}}}itemref") if el.get("linear", "yes") != "no"]
    chapters = [manifest[i][0] for i in spine if i in manifest and manifest[i][0] in names]
    if not chapters:  # some books omit the spine; fall back to every XHTML file in name order
        chapters = sorted(n for n, t in manifest.values() if "html" in t and n in names)
    if len(chapters) > limits.max_pages:
        raise LimitExceeded(f"the EPUB has {len(chapters)} chapters, over the limit of {limits.max_pages} "
                            "(setting: max pages)", item=item)

    def dc(name: str) -> str | None:
        el = opf.find(f".//{{{_DC}}}{name}")
        return " ".join(el.text.split()) if el is not None and el.text and el.text.strip() else None

    blocks: list[Block] = []
    for chapter in chapters:
        chapter_blocks, chapter_title = xhtml_blocks(read_member(zf, chapter, limits, item), f"{item}:{chapter}")
        if chapter_blocks and not any(b.kind == "heading" for b in chapter_blocks[:3]) and chapter_title:
            chapter_blocks.insert(0, Block(text=chapter_title, kind="heading", level=1))
        blocks.extend(chapter_blocks)
    blocks = [b for b in blocks if b.text.strip()]
    if not blocks:
        raise BadInput("the EPUB has no text", item=item)
    doc = Document(title=dc("title") or path.stem, blocks=structured(blocks))
    doc.attribution.author = dc("creator")
    doc.attribution.published = dc("date")
    doc.attribution.license = dc("rights")
    return doc
