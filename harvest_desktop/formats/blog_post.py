"""The blog post: a Markdown article from the chosen sources, every paragraph cited.

This module is the format's half only (prompt, schema, validation, rendering); the model is
reached through the AI gateway by the generation service. No Qt, no network here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from harvest_desktop.core.errors import KnownError
from harvest_desktop.understand.passages import Passage

KEY = "blog-post"
MAX_OUTPUT_TOKENS = 1200
MAX_INPUT_CHARS = 12_000  # passages handed to the model; the rest are left out (said in the prompt)
PASSAGE_CHARS = 900

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "heading": {"type": "string"},
                    "paragraphs": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"text": {"type": "string"},
                                           "passages": {"type": "array", "items": {"type": "integer"}}},
                            "required": ["text", "passages"],
                        },
                    },
                },
                "required": ["heading", "paragraphs"],
            },
        },
    },
    "required": ["title", "sections"],
}

SYSTEM = ("You write clear, accurate blog posts for a general audience, using only the numbered source "
          "passages you are given. Every paragraph cites the passages it draws on by their numbers. "
          "Do not invent facts that are not in the passages.")


@dataclass(frozen=True)
class Prepared:
    messages: list[dict[str, str]]
    passages: list[Passage]  # numbered from 1 in this order
    query: str


def select_passages(passages: Sequence[Passage], max_chars: int = MAX_INPUT_CHARS) -> list[Passage]:
    """Spread the budget over the sources: round-robin by source, in reading order."""
    by_source: dict[int, list[Passage]] = {}
    for p in passages:
        by_source.setdefault(p.source_id, []).append(p)
    chosen: list[Passage] = []
    used = 0
    queues = [list(v) for v in by_source.values()]
    while any(queues) and used < max_chars:
        for q in queues:
            if q and used < max_chars:
                p = q.pop(0)
                chosen.append(p)
                used += min(len(p.text), PASSAGE_CHARS)
    return chosen


def prepare(passages: Sequence[Passage], *, topic: str = "", depth: str = "normal",
            max_input_chars: int = MAX_INPUT_CHARS) -> Prepared:
    chosen = select_passages(passages, max_input_chars)
    if not chosen:
        raise KnownError("there is no harvested text to write about", hint="add sources and wait until they are ready")
    lines = []
    for n, p in enumerate(chosen, 1):
        text = " ".join(p.text.split())[:PASSAGE_CHARS]
        lines.append(f"[{n}] {p.cite()} {text}")
    length = {"brief": "about 300 words", "detailed": "about 900 words", "deep": "about 1200 words"}.get(depth,
                                                                                                    "about 600 words")
    ask = (f"Write a blog post of {length}{' about ' + topic if topic else ''} from these passages.\n"
           "Answer with JSON only: {\"title\": string, \"sections\": [{\"heading\": string, \"paragraphs\": "
           "[{\"text\": string, \"passages\": [numbers of the passages used]}]}]}.\n\nPassages:\n" + "\n".join(lines))
    titles = sorted({p.source_name for p in chosen})
    query = f"blog post{' about ' + topic if topic else ''}; depth {depth}; sources: {', '.join(titles)}"
    return Prepared([{"role": "system", "content": SYSTEM}, {"role": "user", "content": ask}], chosen, query)


_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def _parse_json(text: str) -> dict | None:
    text = text.strip()
    if text.startswith("```"):
        text = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", text)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start:end + 1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _parse_markdown(text: str) -> dict:
    """For servers that ignore the JSON request: headings and paragraphs with [n] markers."""
    title, sections = "", []
    current = {"heading": "", "paragraphs": []}
    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        if not block:
            continue
        if block.startswith("# ") and not title:
            title = block[2:].strip()
            continue
        if block.startswith("#"):
            if current["paragraphs"]:
                sections.append(current)
            current = {"heading": block.lstrip("#").strip(), "paragraphs": []}
            continue
        nums = [int(n) for grp in _MARKER.findall(block) for n in grp.split(",")]
        current["paragraphs"].append({"text": _MARKER.sub("", block).strip(), "passages": nums})
    if current["paragraphs"]:
        sections.append(current)
    return {"title": title, "sections": sections}


def build(text: str, prep: Prepared, sources: Mapping[int, Mapping[str, Any]], *, engine: str,
          route_reason: str):
    """Validate the model's answer against the schema and turn it into the stored content."""
    from harvest_desktop.formats.registry import FormatResult
    from harvest_desktop.formats.schema import BlogPost, BlogSection, Claim, SourceRef

    data = _parse_json(text) or _parse_markdown(text)
    n_passages = len(prep.passages)
    sections: list[BlogSection] = []
    cited: set[int] = set()
    for sec in data.get("sections") or []:
        if not isinstance(sec, dict):
            continue
        paras = []
        for para in sec.get("paragraphs") or []:
            if isinstance(para, str):
                para = {"text": para, "passages": []}
            if not isinstance(para, dict):
                continue
            body = " ".join(str(para.get("text") or "").split())
            raw = para.get("passages") or []
            nums = [int(n) for n in (raw if isinstance(raw, list) else [])
                    if str(n).strip().isdigit() and 1 <= int(n) <= n_passages]
            nums += [int(n) for grp in _MARKER.findall(body) for n in grp.split(",") if 1 <= int(n) <= n_passages]
            body = _MARKER.sub("", body).strip()
            if not body:
                continue
            nums = sorted(set(nums))
            cited.update(nums)
            paras.append(Claim(text=body, citations=[_citation(prep.passages[n - 1]) for n in nums]))
        if paras:
            sections.append(BlogSection(heading=" ".join(str(sec.get("heading") or "").split()), paragraphs=paras))
    if not sections:
        raise KnownError("the model's answer held no usable article",
                         hint="try again, force a fresh run, or choose a larger model")
    title = " ".join(str(data.get("title") or "").split()) or "Blog post: " + prep.passages[0].source_name
    used = sorted({prep.passages[n - 1].source_id for n in cited} or {p.source_id for p in prep.passages})
    post = BlogPost(title=title, sections=sections,
                    sources=[SourceRef.from_dict(_source(sid, sources.get(sid, {}), prep)) for sid in used])
    content = post.to_dict()
    content["kind"] = KEY
    return FormatResult(title=title, content=content, markdown=render_markdown(post), engine=engine,
                        route_reason=route_reason)


def _citation(p: Passage):
    from harvest_desktop.formats.schema import Citation

    return Citation(passage=p.chunk_id, source_id=p.source_id, title=p.source_name, page=p.page,
                    section=p.heading_path, quote=" ".join(p.text.split())[:200])


def _source(sid: int, meta: Mapping[str, Any], prep: Prepared) -> dict:
    name = next((p.source_name for p in prep.passages if p.source_id == sid), "")
    return {"source_id": sid, "title": meta.get("title") or name, "author": meta.get("author"),
            "site": meta.get("site"), "date": meta.get("date"), "url": meta.get("url"),
            "file": meta.get("file"), "license": meta.get("license")}


def render_markdown(post) -> str:
    """Markdown with footnoted citations and a Sources list, built from the structured content only."""
    order: dict[tuple, int] = {}
    notes: list[str] = []
    out = [f"# {post.title}", ""]
    for sec in post.sections:
        if sec.heading:
            out += [f"## {sec.heading}", ""]
        for para in sec.paragraphs:
            marks = []
            for c in para.citations:
                key = (c.source_id, c.passage)
                if key not in order:
                    order[key] = len(order) + 1
                    notes.append(f"[^{order[key]}]: {c.label()[1:-1]}: “{c.quote}”")
                marks.append(f"[^{order[key]}]")
            out += [para.text + ("" if not marks else " " + "".join(marks)), ""]
    if notes:
        out += notes + [""]
    out += ["## Sources", ""]
    for s in post.sources:
        bits = [s.title or f"source {s.source_id}"] + [v for v in (s.author, s.site, s.date) if v]
        loc = s.url or s.file
        out.append("- " + ", ".join(bits) + (f" <{loc}>" if loc else ""))
    return "\n".join(out).rstrip() + "\n"


def source_meta(src) -> dict:
    """The attribution fields of a stored source, for the content's sources list."""
    return {"title": src.title or src.name, "author": src.author, "site": src.site, "date": src.published,
            "url": src.final_url or (src.location if src.kind == "url" else None),
            "file": src.location if src.kind == "file" else None, "license": src.license}
