"""HTML to structured blocks: main-text extraction (trafilatura) for pages, a structural walk otherwise.

Everything here runs inside a contained worker (see sandbox.py); lxml and trafilatura load lazily.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from harvest_desktop.core.document import Block, Document, structured
from harvest_desktop.core.errors import BadInput
from harvest_desktop.core.settings import HarvestLimits

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Never text: scripts, styling, forms and page furniture.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "form", "button", "select",
             "textarea", "iframe", "object", "embed", "canvas", "head", "nav", "aside"}
# Extra furniture skipped when we fall back to walking a whole web page.
PAGE_FURNITURE = {"footer", "header"}
_FURNITURE_HINT = re.compile(r"cookie|consent|banner|gdpr|newsletter|subscribe|share|social|sidebar|"
                             r"breadcrumb|menu|navbar|footer|advert|promo|popup|modal", re.I)
SIMPLE_BLOCKS = {"p": "paragraph", "pre": "code", "blockquote": "quote", "dt": "paragraph",
                 "dd": "paragraph", "figcaption": "caption", "caption": "caption",
                 "address": "paragraph", "summary": "paragraph"}
CONTAINERS = {"div", "section", "article", "main", "body", "html", "header", "footer", "figure",
              "details", "center", "td", "th", "tbody", "thead", "hgroup", "fieldset"}
LISTS = {"ul", "ol", "dl", "menu"}
_WS = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _tag(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return ""
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    return tag.lower()


def decode_html(data: bytes, charset: str | None, item: str) -> str:
    """Decode using the HTTP charset, then the page's own meta charset, then detection."""
    candidates = [c for c in (charset,) if c]
    m = _META_CHARSET.search(data[:8192])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.insert(0, "utf-8-sig")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.insert(0, "utf-16")
    candidates.append("utf-8")
    for enc in candidates:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    from harvest_desktop.acquire.text import decode_bytes

    return decode_bytes(data, item)


def parse_html(text: str, item: str):
    import lxml.html
    from lxml import etree

    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise BadInput("the page is empty", item=item)
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise BadInput(f"the HTML cannot be parsed ({exc})", item=item) from None
    return root


def text_of(el: Any, exclude: frozenset[str] | set[str] = frozenset()) -> str:
    """All text under el (iteratively, so deep nesting cannot exhaust the stack)."""
    parts: list[str] = []
    stack: list[Any] = [("el", el)]
    while stack:
        op, x = stack.pop()
        if op == "text":
            parts.append(x)
            continue
        tag = _tag(x)
        if x is not el and (tag in exclude or tag in SKIP_TAGS):
            continue
        if tag == "br":
            parts.append("\n")
        children = list(x)
        for child in reversed(children):
            if child.tail:
                stack.append(("text", child.tail))
            stack.append(("el", child))
        if x.text and tag:
            parts.append(x.text)
    return "".join(parts)


def _table_text(table: Any) -> str:
    rows = []
    for tr in table.iter():
        if _tag(tr) != "tr" and _tag(tr) != "row":
            continue
        cells = [_norm(text_of(c)) for c in tr if _tag(c) in ("td", "th", "cell")]
        cells = [c for c in cells if c]
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


_SIDEBAR_HINT = re.compile(r"sidebar|feature|box|callout|note|tip|connection|link-to-learning|everyday", re.I)


def html_blocks(root: Any, *, skip: set[str] | frozenset[str] = frozenset(), skip_furniture_hints: bool = False,
                sidebars: bool = False) -> list[Block]:
    """Walk an HTML tree in document order and emit headings, paragraphs, list items, tables.

    With sidebars (books: EPUB chapters), <aside> and boxed-feature divs become one sidebar block each.
    """
    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        text = _norm("".join(buf))
        buf.clear()
        if text:
            blocks.append(Block(text=text, kind="paragraph"))

    stack: list[tuple[str, Any, int]] = [("el", root, 0)]
    while stack:
        op, x, depth = stack.pop()
        if op == "text":
            buf.append(x)
            continue
        if op == "flush":
            flush()
            continue
        tag = _tag(x)
        if sidebars and (tag == "aside" or (tag in ("div", "section") and
                                            _SIDEBAR_HINT.search(f"{x.get('class', '')} {x.get('epub:type', '')}"))):
            flush()
            parts = [_norm(text_of(p)) for p in x.iter() if _tag(p) in ("p", "li", "h1", "h2", "h3", "h4",
                                                                       "h5", "h6", "dt", "dd")]
            text = "\n".join(p for p in parts if p) or _norm(text_of(x))
            if text:
                blocks.append(Block(text=text, kind="sidebar"))
            continue
        if not tag or tag in SKIP_TAGS or tag in skip:
            continue
        if skip_furniture_hints and tag not in ("html", "body"):
            hint = f"{x.get('class', '')} {x.get('id', '')} {x.get('role', '')}"
            if hint.strip() and _FURNITURE_HINT.search(hint) and tag not in ("p", "li") | HEADINGS.keys():
                continue
        if tag in HEADINGS:
            flush()
            text = _norm(text_of(x))
            if text:
                blocks.append(Block(text=text, kind="heading", level=HEADINGS[tag]))
            continue
        if tag in ("table",):
            flush()
            for cap in x.iter("caption"):
                cap_text = _norm(text_of(cap))
                if cap_text:
                    blocks.append(Block(text=cap_text, kind="caption"))
            text = _table_text(x)
            if text:
                blocks.append(Block(text=text, kind="table"))
            continue
        if tag in SIMPLE_BLOCKS:
            flush()
            raw = text_of(x)
            kind = SIMPLE_BLOCKS[tag]
            text = raw.strip("\n") if kind == "code" else _norm(raw)
            if text:
                blocks.append(Block(text=text, kind=kind))
            continue
        if tag == "li":
            flush()
            text = _norm(text_of(x, exclude=LISTS))
            if text:
                blocks.append(Block(text=text, kind="list_item", level=max(1, depth)))
            for child in reversed(list(x)):
                if _tag(child) in LISTS:
                    stack.append(("el", child, depth))
            continue
        if tag == "dl":
            flush()
            term = None
            for child in x:
                ctag = _tag(child)
                if ctag == "dt":
                    term = _norm(text_of(child))
                elif ctag == "dd":
                    definition = _norm(text_of(child))
                    if term and definition:
                        blocks.append(Block(text=f"{term}: {definition}", kind="term", term=term))
                    elif definition:
                        blocks.append(Block(text=definition, kind="paragraph"))
                    term = None
            continue
        if tag in LISTS:
            flush()
            for child in reversed(list(x)):
                stack.append(("el", child, depth + 1))
            continue
        is_block = tag in CONTAINERS
        if tag == "br":
            buf.append("\n")
        if is_block:
            flush()
            stack.append(("flush", None, depth))
        for child in reversed(list(x)):
            if child.tail:
                stack.append(("text", child.tail, depth))
            stack.append(("el", child, depth))
        if x.text:
            stack.append(("text", x.text, depth))
    flush()
    return blocks


# Trafilatura's output vocabulary mapped onto HTML so one walker serves both.
_TRAFILATURA_TAGS = {"list": "ul", "item": "li", "row": "tr", "cell": "td", "quote": "blockquote",
                     "code": "pre", "lb": "br", "hi": "span", "ref": "span", "del": "span", "graphic": "span",
                     "doc": "div", "main": "div", "comments": "aside"}


def _trafilatura_body_blocks(body: Any) -> list[Block]:
    for el in body.iter():
        tag = _tag(el)
        if tag == "head":
            rend = (el.get("rend") or "h2").lower()
            el.tag = rend if rend in HEADINGS else "h2"
        elif tag in _TRAFILATURA_TAGS:
            el.tag = _TRAFILATURA_TAGS[tag]
    body.tag = "div"
    return html_blocks(body)


def _meta(root: Any) -> dict[str, str]:
    """Author, date, licence and site from the page head (fallbacks for trafilatura's metadata)."""
    out: dict[str, str] = {}

    def put(key: str, value: str | None) -> None:
        if value and value.strip() and key not in out:
            out[key] = _norm(value)[:500]

    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if name in ("author", "article:author", "dc.creator", "dcterms.creator", "citation_author"):
            put("author", content)
        elif name in ("article:published_time", "date", "dc.date", "dcterms.date", "dcterms.created",
                      "citation_publication_date", "datepublished", "pubdate"):
            put("published", content)
        elif name in ("license", "dc.rights", "dcterms.license", "dcterms.rights", "copyright"):
            put("license", content)
        elif name in ("og:site_name", "application-name"):
            put("site", content)
        elif name in ("og:title", "dc.title"):
            put("title", content)
    for link in root.iter("link", "a"):
        rel = (link.get("rel") or "").lower().split()
        if "license" in rel:
            text = _norm(link.text_content()) if link.tag == "a" else ""
            href = link.get("href") or ""
            put("license", f"{text} ({href})" if text and href else (href or text))
    for t in root.iter("time"):
        put("published", t.get("datetime"))
    title = root.find(".//title")
    if title is not None:
        put("page_title", title.text_content())
    return out


def page_links(root: Any, base_url: str) -> list[str]:
    """Absolute http(s) links on the page, fragments removed, in order, without repeats."""
    seen: set[str] = set()
    links: list[str] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
            continue
        absolute = urldefrag(urljoin(base_url, href))[0]
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        if absolute not in seen:
            seen.add(absolute)
            links.append(absolute)
    return links


def _has_headings(text: str, item: str) -> bool:
    root = parse_html(text, item)
    body = root.find("body")
    return any(_tag(el) in HEADINGS for el in (body if body is not None else root).iter())


def read_html_page(data: bytes, url: str | None, charset: str | None, limits: HarvestLimits,
                   want_links: bool = False, main_text: bool = True, item: str | None = None) -> dict[str, Any]:
    """Main text (boilerplate out, headings and lists kept) plus attribution; for contained workers."""
    item = item or url or "page"
    text = decode_html(data, charset, item)
    root = parse_html(text, item)
    meta = _meta(root)
    links = page_links(root, url) if (want_links and url) else []
    blocks: list[Block] = []
    info: dict[str, Any] = {}
    if main_text:
        import trafilatura

        try:
            extracted = trafilatura.bare_extraction(text, url=url, include_formatting=True, include_tables=True,
                                                    include_comments=False, include_links=False,
                                                    include_images=False, with_metadata=True)
        except (ValueError, TypeError, AttributeError, RecursionError):
            extracted = None
        if extracted is not None and getattr(extracted, "body", None) is not None:
            blocks = [b for b in _trafilatura_body_blocks(extracted.body) if b.text.strip()]
            for key, attr in (("title", "title"), ("author", "author"), ("published", "date"),
                              ("site", "sitename"), ("license", "license")):
                value = getattr(extracted, attr, None)
                if value:
                    info[key] = _norm(str(value))
    if blocks and not any(b.kind == "heading" for b in blocks) and _has_headings(text, item):
        blocks = []  # main-text extraction flattened a structured page: walk the page itself instead
    if not blocks:
        root = parse_html(text, item)  # trafilatura may have pruned the first tree's copy
        body = root.find("body")
        blocks = html_blocks(body if body is not None else root, skip=PAGE_FURNITURE if main_text else frozenset(),
                             skip_furniture_hints=main_text)
    blocks = structured([b for b in blocks if b.text.strip()])
    if not blocks:
        raise BadInput("no readable text found on the page", item=item,
                       hint="the page may build its text with JavaScript; try saving it as PDF")
    title = (info.get("title") or meta.get("title") or meta.get("page_title")
             or next((b.text for b in blocks if b.kind == "heading"), None) or item)
    doc = Document(title=title[:500], blocks=blocks)
    a = doc.attribution
    a.author = info.get("author") or meta.get("author")
    a.published = info.get("published") or meta.get("published")
    a.license = meta.get("license") or info.get("license")
    a.site = meta.get("site") or info.get("site")
    if url and not a.site:
        a.site = urlsplit(url).hostname
    a.mime = "text/html"
    return {"doc": doc.to_dict(), "links": links}


def read_html_file(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    result = read_html_page(data, None, None, limits, item=path.name)
    doc = Document.from_dict(result["doc"])
    if doc.title == path.name:
        doc.title = path.stem
    return doc


def xhtml_blocks(data: bytes, item: str) -> tuple[list[Block], str | None]:
    """One EPUB chapter: its whole body (books have no boilerplate), plus its <title>."""
    text = decode_html(data, None, item)
    root = parse_html(text, item)
    title_el = root.find(".//title")
    body = root.find("body")
    blocks = html_blocks(body if body is not None else root, sidebars=True)
    title = _norm(title_el.text_content()) if title_el is not None else None
    return blocks, title or None
