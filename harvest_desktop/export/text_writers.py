"""Markdown and standalone HTML from the shared document model, with working reference links."""

from __future__ import annotations

import html
import re

from harvest_desktop.export import docmodel as d

# -- Markdown ---------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Source text is data: characters Markdown would read as markup are escaped."""
    text = " ".join(text.split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^(\d+)\. ", r"\1\\. ", text)


def _md_refs(refs: list[int]) -> str:
    return "".join(f" [\\[{n}\\]](#ref-{n})" for n in refs)


def _md_para(p: d.Para) -> str:
    lead = f"**{md_escape(p.lead)}**: " if p.lead else ""
    body = md_escape(p.text)
    if p.style == "quote":
        body = f"*{body}*"
    note = f" *({md_escape(p.note)})*" if p.note else ""
    return f"{lead}{body}{_md_refs(p.refs)}{note}"


def render_markdown(doc: d.Document) -> str:
    out: list[str] = [f"# {md_escape(doc.title)}", ""]
    sub = _subtitle(doc)
    if sub:
        out += [f"*{md_escape(sub)}*", ""]
    for b in doc.blocks:
        if isinstance(b, d.Heading):
            out += [f"{'#' * min(6, b.level + 1)} {md_escape(b.text)}", ""]
        elif isinstance(b, d.Para):
            out += [_md_para(b), ""]
        elif isinstance(b, d.BulletList):
            for i, p in enumerate(b.items, 1):
                out.append(f"{i}. {_md_para(p)}" if b.numbered else f"- {_md_para(p)}")
            out.append("")
        elif isinstance(b, d.Question):
            out.append(f"{b.number}. {md_escape(b.prompt)}{_md_refs(b.refs)}")
            for i, o in enumerate(b.options):
                out.append(f"    - {d.LETTERS[i]}. {md_escape(o)}")
            if b.left:
                for i, t in enumerate(b.left, 1):
                    out.append(f"    - {i}. {md_escape(t)}")
                for i, t in enumerate(b.right):
                    out.append(f"    - {d.LETTERS[i]}. {md_escape(t)}")
            out.append("")
        elif isinstance(b, d.PageBreak):
            out += ["---", ""]
        elif isinstance(b, d.AnswerKey):
            out += [f"## {md_escape(b.title)}", ""]
            for a in b.answers:
                expl = f" — {md_escape(a.explanation)}" if a.explanation else ""
                out.append(f"{a.number}. **{md_escape(a.answer)}**{expl}{_md_refs(a.refs)}")
            out.append("")
    if doc.references:
        out += ["## References", ""]
        for r in doc.references:
            quote = f" — “{md_escape(r.citation.quote)}”" if r.citation.quote else ""
            out.append(f"{r.number}. <a id=\"ref-{r.number}\"></a>{md_escape(r.label())}{quote}")
        out.append("")
    if doc.sources:
        out += ["## Sources", ""]
        out += [f"- {md_escape(d.source_line(src))}" for src in doc.sources]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _subtitle(doc: d.Document) -> str:
    bits = []
    if doc.meta.created_at:
        bits.append("Made " + doc.meta.created_at[:10])
    if doc.meta.engine:
        bits.append(f"by the {doc.meta.engine} engine")
    if doc.sources:
        bits.append(f"from {len(doc.sources)} source{'s' if len(doc.sources) != 1 else ''}")
    return " ".join(bits)


# -- HTML -------------------------------------------------------------------------------------------

_CSS = """
body{font-family:"DejaVu Sans","Segoe UI",Helvetica,Arial,sans-serif;max-width:46rem;margin:2rem auto;
padding:0 1rem;line-height:1.55;color:#1d1d1f;background:#fff}
h1{font-size:1.9rem;margin-bottom:.2rem}h2{font-size:1.35rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.1rem;margin-top:1.4rem}.sub{color:#666;margin-top:0}.muted,.note{color:#666}
.note{font-size:.85em}a.ref{font-size:.8em;color:#2a5db0;text-decoration:none;vertical-align:super}
ol.opts{list-style:upper-alpha}blockquote{border-left:3px solid #ccc;margin:0;padding-left:1rem;font-style:italic}
.key{page-break-before:always;break-before:page}.refs li{font-size:.9em;margin-bottom:.3rem}
nav.toc ul{list-style:none;padding-left:0}nav.toc li{margin:.15rem 0}
@media print{body{margin:0;max-width:none}a{color:inherit}nav.toc{page-break-after:always}}
"""


def _screen_css() -> str:
    """The window's preview: the theme's own text and background colours, not the page's."""
    import re as _re

    css = _re.sub(r"(?<![-\w])(color|background):#[0-9a-fA-F]{3,6};?", "", _CSS)
    return css.replace("color:#666", "").replace("color:#2a5db0", "")


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _ref_href(n: int) -> str:
    return f"#ref-{n}"


def _html_refs(refs: list[int], href=_ref_href) -> str:
    return "".join(f'<a class="ref" href="{href(n)}">[{n}]</a>' for n in refs)


def _html_para(p: d.Para, tag: str = "p", href=_ref_href) -> str:
    lead = f"<strong>{_h(p.lead)}</strong>: " if p.lead else ""
    note = f' <span class="note">({_h(p.note)})</span>' if p.note else ""
    body = f"{lead}{_h(p.text)}{_html_refs(p.refs, href)}{note}"
    if p.style == "quote":
        return f"<blockquote>{body}</blockquote>"
    cls = ' class="muted"' if p.style == "muted" else ""
    return f"<{tag}{cls}>{body}</{tag}>"


def render_html(doc: d.Document, *, cite_href=_ref_href, show_answers: bool = True,
                answers_href: str = "", screen_colors: bool = False) -> str:
    """Standalone HTML. The window's preview passes cite_href (citations open the source) and hides
    the answer key behind answers_href until the person asks for it."""
    parts: list[str] = []
    toc: list[str] = []
    hn = 0
    for b in doc.blocks:
        if isinstance(b, d.Heading):
            hn += 1
            anchor = f"h-{hn}"
            tag = f"h{min(6, b.level + 1)}"
            parts.append(f'<{tag} id="{anchor}">{_h(b.text)}</{tag}>')
            if b.toc and b.level == 1:
                toc.append(f'<li><a href="#{anchor}">{_h(b.text)}</a></li>')
        elif isinstance(b, d.Para):
            parts.append(_html_para(b, href=cite_href))
        elif isinstance(b, d.BulletList):
            tag = "ol" if b.numbered else "ul"
            parts.append(f"<{tag}>" + "".join(_html_para(p, "li", cite_href) for p in b.items) + f"</{tag}>")
        elif isinstance(b, d.Question):
            q = [f'<div class="q" id="q-{b.number}"><p><strong>{b.number}.</strong> {_h(b.prompt)}'
                 f"{_html_refs(b.refs, cite_href)}</p>"]
            if b.options:
                q.append('<ol class="opts">' + "".join(f"<li>{_h(o)}</li>" for o in b.options) + "</ol>")
            if b.left:
                q.append("<table><tr><td><ol>" + "".join(f"<li>{_h(t)}</li>" for t in b.left) + "</ol></td>"
                         '<td><ol class="opts">' + "".join(f"<li>{_h(t)}</li>" for t in b.right)
                         + "</ol></td></tr></table>")
            q.append("</div>")
            parts.append("".join(q))
        elif isinstance(b, d.AnswerKey) and not show_answers:
            parts.append(f'<h2>{_h(b.title)}</h2><p><a href="{_h(answers_href)}">Show the answers</a></p>')
        elif isinstance(b, d.AnswerKey):
            hn += 1
            toc.append(f'<li><a href="#h-{hn}">{_h(b.title)}</a></li>')
            rows = []
            for a in b.answers:
                expl = f" — {_h(a.explanation)}" if a.explanation else ""
                rows.append(f"<li value=\"{a.number}\"><strong>{_h(a.answer)}</strong>{expl}"
                            f"{_html_refs(a.refs, cite_href)}</li>")
            parts.append(f'<section class="key"><h2 id="h-{hn}">{_h(b.title)}</h2><ol>{"".join(rows)}</ol></section>')
    if doc.references:
        toc.append('<li><a href="#references">References</a></li>')
        items = []
        for r in doc.references:
            quote = f" — “{_h(r.citation.quote)}”" if r.citation.quote else ""
            items.append(f'<li id="ref-{r.number}" value="{r.number}">{_h(r.label())}{quote}</li>')
        parts.append('<h2 id="references">References</h2><ol class="refs">' + "".join(items) + "</ol>")
    if doc.sources:
        toc.append('<li><a href="#sources">Sources</a></li>')
        parts.append('<h2 id="sources">Sources</h2><ul>'
                     + "".join(f"<li>{_h(d.source_line(s_))}</li>" for s_ in doc.sources) + "</ul>")
    sub = _subtitle(doc)
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<meta name=\"generator\" content=\"Harvest\"><title>{_h(doc.title)}</title>"
            f"<style>{_screen_css() if screen_colors else _CSS}</style></head><body>")
    top = f"<h1>{_h(doc.title)}</h1>" + (f'<p class="sub">{_h(sub)}</p>' if sub else "")
    nav = f'<nav class="toc"><h2>Contents</h2><ul>{"".join(toc)}</ul></nav>' if len(toc) > 1 else ""
    return head + top + nav + "\n".join(parts) + "</body></html>\n"
