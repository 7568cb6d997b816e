"""An OpenStax book (CNXML modules in a git repository, as github.com/openstax/osbooks-* hold them)
written out as one HTML file, so it goes through Harvest's real HTML reader: chapters as <h1>,
modules as <h2>, sections as <h3>, boxed features as <aside>, captions as <figcaption>, block
quotations as <blockquote>, and each chapter's glossary as a "Key Terms" <dl> at its end (the
place the printed book puts it). Returns the glossary too, as the benchmarks' reference."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

NS = {"c": "http://cnx.rice.edu/cnxml", "col": "http://cnx.rice.edu/collxml", "md": "http://cnx.rice.edu/mdml"}
C = "{http://cnx.rice.edu/cnxml}"
SKIP = {"exercise", "equation", "table", "media", "footnote", "title", "label", "figure", "note", "list",
        "quote", "section", "glossary", "metadata"}


def _git(repo: Path, path: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{path}"], capture_output=True, text=True,
                          check=True).stdout


def _inline(el) -> str:
    """Text of an inline element; <term> and <emphasis> keep their words."""
    out = [escape(el.text or "")]
    for child in el:
        tag = child.tag.replace(C, "")
        if tag in ("footnote", "media", "equation"):
            pass
        elif tag == "term":
            out.append("<strong>" + _inline(child) + "</strong>")
        elif tag == "emphasis":
            out.append("<em>" + _inline(child) + "</em>")
        else:
            out.append(_inline(child))
        out.append(escape(child.tail or ""))
    return "".join(out)


def _title(el) -> str:
    t = el.find(f"{C}title")
    return "".join(t.itertext()).strip() if t is not None else ""


def _body(el, depth: int, out: list[str]) -> None:
    for child in el:
        tag = child.tag.replace(C, "")
        if tag == "para":
            text = _inline(child).strip()
            if text:
                out.append(f"<p>{text}</p>")
        elif tag == "section":
            cls = child.get("class", "")
            if cls in ("review-questions", "critical-thinking", "learning-objectives"):
                continue
            title = _title(child) or {"summary": "Summary", "further-reading": "Further Reading",
                                      "references": "References"}.get(cls, "")
            if title:
                out.append(f"<h{min(6, depth)}>{escape(title)}</h{min(6, depth)}>")
            _body(child, depth + 1, out)
        elif tag == "list":
            items = [f"<li>{_inline(i).strip()}</li>" for i in child.findall(f"{C}item")]
            if items:
                out.append("<ul>" + "".join(items) + "</ul>")
        elif tag == "figure":
            cap = child.find(f"{C}caption")
            if cap is not None:
                out.append(f"<figure><figcaption>{_inline(cap).strip()}</figcaption></figure>")
        elif tag == "note":
            inner: list[str] = []
            title = _title(child)
            if title:
                inner.append(f"<h4>{escape(title)}</h4>")
            _body(child, depth + 1, inner)
            out.append("<aside>" + "".join(inner) + "</aside>")
        elif tag == "quote":
            inner = []
            _body(child, depth + 1, inner)
            text = "".join(inner) or f"<p>{_inline(child).strip()}</p>"
            out.append(f"<blockquote>{text}</blockquote>")


def book_html(repo: Path, *, key_terms: bool = True, chapters: int | None = None) -> tuple[str, str, list[tuple[str, str, str]]]:
    """(title, html, glossary [(chapter, term, definition)])."""
    books = ET.fromstring(_git(repo, "META-INF/books.xml"))
    href = next(iter(books)).get("href").lstrip("./").replace("../", "")
    col = ET.fromstring(_git(repo, href if href.startswith("collections") else "collections/" + Path(href).name))
    title = col.find("col:metadata/md:title", NS).text
    out = [f"<html><head><title>{escape(title)}</title></head><body>"]
    glossary: list[tuple[str, str, str]] = []
    subs = col.findall("col:content/col:subcollection", NS)[:chapters]
    for n, sub in enumerate(subs, 1):
        chapter = f"Chapter {n} {sub.find('md:title', NS).text}"
        out.append(f"<h1>{escape(chapter)}</h1>")
        terms: list[tuple[str, str]] = []
        for mod in sub.findall("col:content/col:module", NS):
            doc = ET.fromstring(_git(repo, f"modules/{mod.get('document')}/index.cnxml"))
            out.append(f"<h2>{escape(_title(doc))}</h2>")
            _body(doc.find(f"{C}content"), 3, out)
            for d in doc.findall(f"{C}glossary/{C}definition"):
                term = "".join(d.find(f"{C}term").itertext()).strip()
                meaning = " ".join("".join(d.find(f"{C}meaning").itertext()).split())
                terms.append((term, meaning))
                glossary.append((chapter, term, meaning))
        if key_terms and terms:
            out.append("<h2>Key Terms</h2><dl>" + "".join(f"<dt>{escape(t)}</dt><dd>{escape(m)}</dd>"
                                                          for t, m in terms) + "</dl>")
    out.append("</body></html>")
    return title, "\n".join(out), glossary


def write_book(repo: Path, path: Path, **kw) -> tuple[Path, list[tuple[str, str, str]]]:
    """The book as an EPUB (one XHTML file per chapter), read by Harvest's EPUB reader."""
    import zipfile

    title, html, glossary = book_html(repo, **kw)
    body = html.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    parts = [p for p in body.split("<h1>") if p.strip()]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:'
                   'container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/'
                   'oebps-package+xml"/></rootfiles></container>')
        items = "".join(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
                        for i in range(len(parts)))
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(parts)))
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
                   'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f'<dc:title>{escape(title)}</dc:title><dc:identifier id="id">openstax</dc:identifier>'
                   f'<dc:language>en</dc:language></metadata><manifest>{items}</manifest><spine>{spine}</spine>'
                   '</package>')
        for i, part in enumerate(parts):
            z.writestr(f"OEBPS/c{i}.xhtml", '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/'
                       f'1999/xhtml"><head><title>{escape(title)}</title></head><body><h1>{part}</body></html>')
    return path, glossary
