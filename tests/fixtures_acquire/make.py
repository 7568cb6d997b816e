"""Generate real documents of every supported format, and hostile ones, for harvesting tests."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

MARK = "Mitochondria generate most of the chemical energy needed by the cell"


def write_pdf(path: Path, pages: list[str] | None = None, title: str = "Cell Biology Notes",
              author: str = "Dana Rivers") -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pages = pages or [f"{MARK}. Page one text.", "The nucleus stores genetic material. Page two text."]
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(title)
    c.setAuthor(author)
    for text in pages:
        y = 780
        for line in text.split("\n"):
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


def write_scanned_pdf(path: Path, text: str = "HARVEST SCANNED PAGE") -> Path:
    """An image-only PDF (no text layer), like a scanner produces."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (1700, 500), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=90)
    draw.text((60, 180), text, fill="black", font=font)
    img.save(path, "PDF", resolution=200.0)
    return path


def write_encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = path.with_suffix(".plain.pdf")
    write_pdf(plain)
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Enzymes Handout"
    d.core_properties.author = "Priya Natarajan"
    d.add_heading("Enzymes", level=1)
    d.add_paragraph("Enzymes are biological catalysts that speed up chemical reactions.")
    d.add_heading("Factors", level=2)
    d.add_paragraph("Temperature changes the rate", style="List Bullet")
    d.add_paragraph("pH changes the shape of the active site", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Enzyme", "Substrate"
    table.cell(1, 0).text, table.cell(1, 1).text = "Amylase", "Starch"
    d.save(str(path))
    return path


def write_pptx(path: Path) -> Path:
    import pptx

    prs = pptx.Presentation()
    prs.core_properties.title = "Plate Tectonics"
    prs.core_properties.author = "Leo Martins"
    s1 = prs.slides.add_slide(prs.slide_layouts[1])
    s1.shapes.title.text = "Plate boundaries"
    body = s1.placeholders[1].text_frame
    body.text = "Divergent boundaries pull plates apart"
    p = body.add_paragraph()
    p.text = "Mid-ocean ridges form there"
    p.level = 1
    s1.notes_slide.notes_text_frame.text = "Mention Iceland as an example."
    s2 = prs.slides.add_slide(prs.slide_layouts[1])
    s2.shapes.title.text = "Earthquakes"
    s2.placeholders[1].text_frame.text = "Transform faults cause shallow earthquakes"
    prs.save(str(path))
    return path


def _zip(path: Path, members: dict[str, bytes | str], stored_first: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if stored_first:
            zf.writestr(zipfile.ZipInfo(stored_first), members.pop(stored_first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def write_epub(path: Path, chapter_extra: str = "") -> Path:
    container = """<?xml version="1.0"?><container version="1.0"
      xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>
      <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"""
    opf = """<?xml version="1.0" encoding="UTF-8"?>
    <package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
      <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
        <dc:identifier id="id">urn:uuid:1234</dc:identifier><dc:title>A Short History of Tea</dc:title>
        <dc:creator>Mei Chen</dc:creator><dc:date>2019-06-01</dc:date><dc:rights>CC BY 4.0</dc:rights>
      </metadata>
      <manifest><item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
        <item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/></manifest>
      <spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    ch = """<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html>
    <html xmlns="http://www.w3.org/1999/xhtml"><head><title>{t}</title></head><body>
    <h1>{t}</h1><p>{p}</p><ul><li>{li}</li></ul>{x}</body></html>"""
    return _zip(path, {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": container,
        "OEBPS/content.opf": opf,
        "OEBPS/text/ch1.xhtml": ch.format(t="Origins", p="Tea was first drunk in ancient China as a medicine.",
                                          li="Camellia sinensis is the tea plant", x=chapter_extra),
        "OEBPS/text/ch2.xhtml": ch.format(t="Trade", p="The tea trade shaped the economies of empires.",
                                          li="Clipper ships raced to deliver tea", x=""),
    }, stored_first="mimetype")


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">
 <office:body><office:text>
  <text:h text:outline-level="1">Volcanoes</text:h>
  <text:p>Magma<text:s/>rises through cracks in the crust of the Earth.</text:p>
  <text:h text:outline-level="2">Types</text:h>
  <text:list><text:list-item><text:p>Shield volcanoes have gentle slopes</text:p></text:list-item>
   <text:list-item><text:p>Stratovolcanoes are steep</text:p></text:list-item></text:list>
  <table:table><table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell>
   <table:table-cell><text:p>Country</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell><text:p>Etna</text:p></table:table-cell>
   <table:table-cell><text:p>Italy</text:p></table:table-cell></table:table-row></table:table>
 </office:text></office:body></office:document-content>"""
ODT_META = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">
 <office:meta><dc:title>Volcano Notes</dc:title><dc:creator>Ana Ruiz</dc:creator>
 <meta:creation-date>2021-03-04T10:00:00</meta:creation-date></office:meta></office:document-meta>"""


def write_odt(path: Path, content: str = ODT_CONTENT) -> Path:
    return _zip(path, {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content,
                       "meta.xml": ODT_META,
                       "META-INF/manifest.xml": '<?xml version="1.0"?><manifest:manifest '
                       'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'},
                stored_first="mimetype")


def write_rtf(path: Path) -> Path:
    path.write_bytes(rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}"
                     rb"\f0 Glaciers carve U-shaped valleys.\par Moraines are ridges of debris left by glaciers.\par"
                     rb" Caf\'e9 au lait.}")
    return path


def write_csv(path: Path) -> Path:
    path.write_text("element,symbol,number\nHydrogen,H,1\nHelium,He,2\nLithium,Li,3\n", encoding="utf-8")
    return path


ARTICLE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>How Bees Communicate | Pollinator Weekly</title>
<meta name="author" content="Jordan Ellis">
<meta property="article:published_time" content="2024-02-29T08:00:00Z">
<meta property="og:site_name" content="Pollinator Weekly">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">
</head><body>
<nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li>
<li><a href="/shop">Shop merchandise</a></li></ul></nav>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?
<button>Accept</button></div>
<main><article>
<h1>How Bees Communicate</h1>
<p>Honey bees communicate the location of food sources through a remarkable behaviour known as the
waggle dance, first decoded by Karl von Frisch in the twentieth century.</p>
<h2>The waggle dance</h2>
<p>The angle of the dance relative to vertical tells other foragers the direction of the flowers
relative to the sun, and the duration of the waggle run encodes the distance.</p>
<ul><li>Direction is encoded by angle</li><li>Distance is encoded by duration</li></ul>
<h2>Scent signals</h2>
<p>Bees also use pheromones to mark flowers, to alarm the colony, and to guide nestmates home after
a long foraging trip across the meadow.</p>
<p>{extra}</p>
<p><a href="/section/dance.html">More on the dance</a> and <a href="/section/scent.html">more on scent</a>,
<a href="/private/secret.html">members only</a>, <a href="http://example.invalid/elsewhere">another site</a>.</p>
</article></main>
<footer class="site-footer"><p>Copyright 2024 Pollinator Weekly Ltd. All rights reserved. Terms of use.
Privacy policy. Subscribe to our newsletter.</p></footer>
</body></html>"""


def write_html(path: Path) -> Path:
    path.write_text(ARTICLE_HTML.replace("{extra}", "Local copy."), encoding="utf-8")
    return path


def write_markdown(path: Path) -> Path:
    path.write_text("# Rivers\n\nRivers carry sediment to the sea.\n\n## Deltas\n\n- Nile delta\n- Ganges delta\n",
                    encoding="utf-8")
    return path


def write_all_formats(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "pdf": write_pdf(folder / "cells.pdf"),
        "docx": write_docx(folder / "enzymes.docx"),
        "pptx": write_pptx(folder / "tectonics.pptx"),
        "epub": write_epub(folder / "tea.epub"),
        "odt": write_odt(folder / "volcanoes.odt"),
        "rtf": write_rtf(folder / "glaciers.rtf"),
        "csv": write_csv(folder / "elements.csv"),
        "html": write_html(folder / "bees.html"),
        "md": write_markdown(folder / "rivers.md"),
    }
    (folder / "utf8.txt").write_text("Photosynthesis makes sugar. Naïve café résumé.\n", encoding="utf-8")
    (folder / "utf16.txt").write_text("Osmosis moves water across membranes. Ünïcödé.\n", encoding="utf-16")
    (folder / "cp1252.txt").write_bytes("Erosion wears rock away \u2013 slowly. Cr\u00e8me br\u00fbl\u00e9e "
                                        "is dessert; na\u00efve r\u00e9sum\u00e9.\n".encode("cp1252"))
    out.update(utf8=folder / "utf8.txt", utf16=folder / "utf16.txt", cp1252=folder / "cp1252.txt")
    return out


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def _docx_with_document_xml(path: Path, document_xml: bytes, source: Path) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info.filename)
            dst.writestr(info.filename, data)
    return path


def write_hostile(folder: Path) -> dict[str, Path]:
    """Files that must each fail (or read) on their own without stopping a batch."""
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    good_docx = write_docx(folder / "_good.docx.tmp")
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        out[name] = folder / name

    put("empty.pdf", b"")
    put("empty.docx", b"")
    pdf = write_pdf(folder / "_full.pdf.tmp").read_bytes()
    put("truncated.pdf", pdf[: len(pdf) // 3])
    put("truncated.docx", good_docx.read_bytes()[:900])
    put("random.pdf", bytes(rnd.getrandbits(8) for _ in range(4096)))
    put("random.docx", bytes(rnd.getrandbits(8) for _ in range(4096)))
    put("random.epub", b"PK\x03\x04" + bytes(rnd.getrandbits(8) for _ in range(4096)))
    put("random.txt", bytes(rnd.getrandbits(8) for _ in range(8192)))
    write_encrypted_pdf(folder / "password.pdf")
    out["password.pdf"] = folder / "password.pdf"
    # zip bombs: a 40 MB run of zeros compresses to ~40 KB
    bomb_xml = b"<w:document>" + b"\0" * (40 * 1024 * 1024) + b"</w:document>"
    _docx_with_document_xml(folder / "bomb.docx", bomb_xml, good_docx)
    out["bomb.docx"] = folder / "bomb.docx"
    write_epub(folder / "bomb.epub", chapter_extra="<p>" + " " * (40 * 1024 * 1024) + "</p>")
    out["bomb.epub"] = folder / "bomb.epub"
    laughs_doc = (BILLION_LAUGHS.replace("lolz", "w:document") +
                  '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                  "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>").encode()
    _docx_with_document_xml(folder / "laughs.docx", laughs_doc, good_docx)
    out["laughs.docx"] = folder / "laughs.docx"
    write_odt(folder / "laughs.odt", BILLION_LAUGHS.replace("lolz", "office:document-content")
              + ODT_CONTENT.split("?>", 1)[1].replace("Volcanoes</text:h>", "&lol9;</text:h>"))
    out["laughs.odt"] = folder / "laughs.odt"
    put("long_line.txt", b"word " * (4 * 1024 * 1024) + b"end")  # 20 MB, one line
    put("deep.html", b"<html><body>" + b"<div>" * 200_000 + b"deep text" + b"</div>" * 200_000 + b"</body></html>")
    put("latin1.md", "# Caf\u00e9 notes\n\nEspresso is served in a demitasse, cr\u00e8me on top.\n".encode("latin-1"))
    good_docx.unlink()
    (folder / "_full.pdf.tmp").unlink()
    return out


def write_mixed_corpus(folder: Path, n: int) -> list[Path]:
    """n small documents cycling through the formats, each with distinct text (for benchmarks)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    kinds = ["md", "txt", "html", "pdf", "docx", "csv", "rtf", "odt", "epub", "pptx"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        unique = f"Document {i} discusses topic {i * 7919 % 10007} in detail with sample number {i}."
        p = folder / f"doc{i:04d}.{kind}"
        if kind == "md":
            p.write_text(f"# Doc {i}\n\n{unique}\n\n- point a {i}\n- point b {i}\n", encoding="utf-8")
        elif kind == "txt":
            p.write_text(f"{unique}\n\nSecond paragraph {i}.\n", encoding="utf-8")
        elif kind == "html":
            p.write_text(ARTICLE_HTML.replace("{extra}", unique), encoding="utf-8")
        elif kind == "pdf":
            write_pdf(p, pages=[unique, f"Second page {i}."])
        elif kind == "docx":
            import docx

            d = docx.Document()
            d.add_heading(f"Doc {i}", level=1)
            d.add_paragraph(unique)
            d.save(str(p))
        elif kind == "csv":
            p.write_text(f"id,text\n{i},{unique}\n", encoding="utf-8")
        elif kind == "rtf":
            p.write_bytes(b"{\\rtf1\\ansi " + unique.encode() + b"\\par}")
        elif kind == "odt":
            write_odt(p, ODT_CONTENT.replace("Volcanoes</text:h>", f"Volcanoes {unique}</text:h>"))
        elif kind == "epub":
            write_epub(p, chapter_extra=f"<p>{unique}</p>")
        elif kind == "pptx":
            import pptx

            prs = pptx.Presentation()
            s = prs.slides.add_slide(prs.slide_layouts[1])
            s.shapes.title.text = f"Doc {i}"
            s.placeholders[1].text_frame.text = unique
            prs.save(str(p))
        paths.append(p)
    return paths


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def in_memory_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return buf.getvalue()
