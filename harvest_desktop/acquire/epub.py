"""EPUB reader: a zip of XHTML chapters in spine order; metadata from the OPF package file; chapter
and section headings checked against the book's navigation document (EPUB 3 nav, or EPUB 2 NCX)."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urldefrag

from harvest_desktop.acquire.html import xhtml_blocks
from harvest_desktop.acquire.safety import open_package, parse_xml, read_member
from harvest_desktop.core.document import Block, Document, structured
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits

_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_NCX = "http://www.daisy.org/z3986/2005/ncx/"
_XHTML = "http://www.w3.org/1999/xhtml"
_EPUB = "http://www.idpf.org/2007/ops"
_NUMBERING = re.compile(r"^(?:(?:chapter|part|unit|section|appendix)\s+)?[0-9ivxlc]+(?:\.[0-9]+)*[.:]?\s+", re.I)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _bare(text: str) -> str:
    return _key(_NUMBERING.sub("", text.strip()))


def _nav_entries(zf, opf, manifest: dict[str, tuple[str, str]], base: str, names: set[str],
                 limits: HarvestLimits, item: str) -> list[tuple[int, str, str]]:
    """(level, title, chapter file) for each entry of the table of contents, in order."""
    nav_href = None
    for el in opf.iter(f"{{{_OPF}}}item"):
        if "nav" in (el.get("properties") or "").split() and el.get("href"):
            nav_href = posixpath.normpath(posixpath.join(base, unquote(el.get("href"))))
    out: list[tuple[int, str, str]] = []
    if nav_href and nav_href in names:
        root = parse_xml(read_member(zf, nav_href, limits, item), item, "the EPUB navigation document")
        navs = list(root.iter(f"{{{_XHTML}}}nav"))
        toc = next((n for n in navs if n.get(f"{{{_EPUB}}}type") == "toc"), navs[0] if navs else None)
        if toc is None:
            return out
        nav_dir = posixpath.dirname(nav_href)

        def walk(ol, level: int) -> None:
            for li in ol.findall(f"{{{_XHTML}}}li"):
                a = li.find(f"{{{_XHTML}}}a")
                if a is None:
                    a = li.find(f"{{{_XHTML}}}span")
                title = " ".join("".join(a.itertext()).split()) if a is not None else ""
                href = a.get("href") if a is not None else None
                if title and href:
                    file = posixpath.normpath(posixpath.join(nav_dir, unquote(urldefrag(href)[0])))
                    out.append((level, title, file))
                for sub in li.findall(f"{{{_XHTML}}}ol"):
                    walk(sub, level + 1)

        for ol in toc.findall(f"{{{_XHTML}}}ol"):
            walk(ol, 1)
        return out
    spine = opf.find(f"{{{_OPF}}}spine")
    toc_id = spine.get("toc") if spine is not None else None
    ncx = manifest.get(toc_id or "", ("", ""))[0] or next(
        (f for f, t in manifest.values() if t == "application/x-dtbncx+xml"), "")
    if ncx and ncx in names:
        root = parse_xml(read_member(zf, ncx, limits, item), item, "the EPUB table of contents (NCX)")
        ncx_dir = posixpath.dirname(ncx)

        def walk_ncx(parent, level: int) -> None:
            for point in parent.findall(f"{{{_NCX}}}navPoint"):
                label = point.find(f"{{{_NCX}}}navLabel/{{{_NCX}}}text")
                content = point.find(f"{{{_NCX}}}content")
                title = " ".join((label.text or "").split()) if label is not None else ""
                src = content.get("src") if content is not None else None
                if title and src:
                    out.append((level, title, posixpath.normpath(posixpath.join(ncx_dir, unquote(urldefrag(src)[0])))))
                walk_ncx(point, level + 1)

        nav_map = root.find(f"{{{_NCX}}}navMap")
        if nav_map is not None:
            walk_ncx(nav_map, 1)
    return out


def _apply_nav(blocks: list[Block], entries: list[tuple[int, str, str]]) -> tuple[list[Block], set[str]]:
    """Headings the navigation names take its levels; a chapter it names without a printed heading
    gets one; other headings keep their place relative to the last heading the nav named."""
    wanted = {_bare(t): (lv, t) for lv, t, _f in entries}
    wanted.update({_key(t): (lv, t) for lv, t, _f in entries})
    matched: set[str] = set()
    shift = 0
    for b in blocks:
        if b.kind != "heading":
            continue
        hit = wanted.get(_key(b.text)) or wanted.get(_bare(b.text))
        if hit is not None:
            shift = hit[0] - b.level
            b.level = hit[0]
            matched.add(_key(hit[1]))
        else:
            b.level = max(1, b.level + shift)
    return blocks, matched


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
    nav_docs = {posixpath.normpath(posixpath.join(base, unquote(el.get("href"))))
                for el in opf.iter(f"{{{_OPF}}}item") if "nav" in (el.get("properties") or "").split() and el.get("href")}
    # the navigation document is the table of contents, not a chapter, even when the spine lists it
    chapters = [manifest[i][0] for i in spine if i in manifest and manifest[i][0] in names
                and manifest[i][0] not in nav_docs]
    if not chapters:  # some books omit the spine; fall back to every XHTML file in name order
        chapters = sorted(n for n, t in manifest.values() if "html" in t and n in names)
    if len(chapters) > limits.max_pages:
        raise LimitExceeded(f"the EPUB has {len(chapters)} chapters, over the limit of {limits.max_pages} "
                            "(setting: max pages)", item=item)

    def dc(name: str) -> str | None:
        el = opf.find(f".//{{{_DC}}}{name}")
        return " ".join(el.text.split()) if el is not None and el.text and el.text.strip() else None

    try:
        entries = _nav_entries(zf, opf, manifest, base, names, limits, item)
    except BadInput:
        entries = []  # a broken navigation document: the chapters' own headings still count
    by_file: dict[str, list[tuple[int, str, str]]] = {}
    for e in entries:
        by_file.setdefault(e[2], []).append(e)
    blocks: list[Block] = []
    for chapter in chapters:
        chapter_blocks, chapter_title = xhtml_blocks(read_member(zf, chapter, limits, item), f"{item}:{chapter}")
        file_entries = by_file.get(chapter, [])
        if file_entries:
            chapter_blocks, matched = _apply_nav(chapter_blocks, file_entries)
            # entries with no printed heading in their file: the title goes in at the file's start
            missing = [Block(text=t, kind="heading", level=lv) for lv, t, _f in file_entries
                       if _key(t) not in matched]
            chapter_blocks = missing + chapter_blocks
        elif chapter_blocks and not any(b.kind == "heading" for b in chapter_blocks[:3]) and chapter_title:
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
