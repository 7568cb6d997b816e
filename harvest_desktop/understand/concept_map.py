"""The concept map as Qt-free graph data, a deterministic layout, and SVG/PNG renderers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

from harvest_desktop.understand.concepts import Concept
from harvest_desktop.understand.relations import RELATED, Relation

NODE_FONT = 15
EDGE_FONT = 12
MARGIN = 60


@dataclass
class MapNode:
    term: str
    x: float
    y: float
    radius: float
    score: float
    group: str = ""  # the chapter it belongs to: same colour, laid out together


@dataclass
class MapEdge:
    source: str
    target: str
    label: str
    weight: float
    evidence: str


@dataclass
class ConceptGraph:
    nodes: list[MapNode] = field(default_factory=list)
    edges: list[MapEdge] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def build_graph(concepts: Sequence[Concept], relations: Sequence[Relation], *, seed: int = 7,
                iterations: int = 300) -> ConceptGraph:
    """Force-directed layout (numpy, fixed seed): the same input always gives the same map."""
    import numpy as np

    terms = [c.term for c in concepts]
    index = {t: i for i, t in enumerate(terms)}
    edges = [r for r in relations if r.source in index and r.target in index and r.source != r.target]
    n = len(terms)
    if n == 0:
        return ConceptGraph([], [], 2 * MARGIN, 2 * MARGIN)
    top = max(c.score for c in concepts) or 1.0
    radii = np.array([10 + 14 * math.sqrt(max(c.score, 0) / top) for c in concepts])
    label_w = np.array([0.55 * NODE_FONT * len(t) for t in terms])
    rng = np.random.default_rng(seed)
    groups = [getattr(c, "chapter", "") or "" for c in concepts]
    order = sorted(range(n), key=lambda i: (groups[i], i))  # a chapter's concepts start side by side
    angle = np.zeros(n)
    angle[order] = np.linspace(0, 2 * math.pi, n, endpoint=False)
    pos = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 60 * math.sqrt(n) + rng.normal(0, 5, (n, 2))
    ideal = 170.0
    adj = np.zeros((n, n))
    for r in edges:
        a, b = index[r.source], index[r.target]
        strength = 1.0 if r.label != RELATED else 0.5
        adj[a, b] = adj[b, a] = max(adj[a, b], strength)
    same = np.array([[1.0 if groups[i] and groups[i] == groups[j] and i != j else 0.0 for j in range(n)]
                     for i in range(n)])
    adj = np.maximum(adj, 0.25 * same)  # a weak pull keeps each chapter's concepts together
    temp = ideal
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1)) + np.eye(n) + 1e-6
        # labels are wide: repel harder along x so they do not overlap
        spread = (label_w[:, None] + label_w[None, :]) / 2 + ideal * 0.5
        rep = (spread ** 2 / dist ** 2)[:, :, None] * delta / dist[:, :, None]
        att = (adj * dist ** 2 / ideal ** 2)[:, :, None] * delta / dist[:, :, None]
        force = rep.sum(1) - att.sum(1) - 0.01 * pos  # gentle pull to the centre keeps islands near
        length = np.sqrt((force ** 2).sum(1, keepdims=True)) + 1e-9
        pos += force / length * np.minimum(length, temp)
        temp = max(2.0, temp * 0.985)
    pos -= pos.min(axis=0)
    pos += np.array([MARGIN + label_w.max() / 2, MARGIN + radii.max()])
    width = float(pos[:, 0].max() + label_w.max() / 2 + MARGIN)
    height = float(pos[:, 1].max() + radii.max() + NODE_FONT * 2 + MARGIN)
    nodes = [MapNode(t, round(float(pos[i, 0]), 2), round(float(pos[i, 1]), 2), round(float(radii[i]), 2),
                     concepts[i].score, groups[i]) for i, t in enumerate(terms)]
    return ConceptGraph(nodes, [MapEdge(r.source, r.target, r.label, r.weight, r.evidence) for r in edges],
                        round(width, 2), round(height, 2))


PALETTE = ("#4f7cac", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f", "#b5a33f")


def _colours(graph: ConceptGraph) -> dict[str, str]:
    groups = list(dict.fromkeys(nd.group for nd in graph.nodes))
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def _edge_geometry(graph: ConceptGraph):
    nodes = {nd.term: nd for nd in graph.nodes}
    for e in graph.edges:
        a, b = nodes[e.source], nodes[e.target]
        dx, dy = b.x - a.x, b.y - a.y
        d = math.hypot(dx, dy) or 1.0
        ux, uy = dx / d, dy / d
        x1, y1 = a.x + ux * a.radius, a.y + uy * a.radius
        x2, y2 = b.x - ux * (b.radius + 4), b.y - uy * (b.radius + 4)
        yield e, (x1, y1, x2, y2), ((x1 + x2) / 2, (y1 + y2) / 2), (ux, uy)


def to_svg(graph: ConceptGraph) -> str:
    w, h = graph.width, graph.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" '
           f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
           f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>']
    edge_labels = []
    for e, (x1, y1, x2, y2), (mx, my), _ in _edge_geometry(graph):
        dashed = ' stroke-dasharray="5,4"' if e.label == RELATED else ""
        marker = "" if e.label == RELATED else ' marker-end="url(#arrow)"'
        out.append(f'<g class="edge"><title>{escape(e.evidence)}</title>'
                   f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#888" '
                   f'stroke-width="{1 + min(e.weight, 6) * 0.4:.1f}"{dashed}{marker}/>')
        if e.label != RELATED:
            edge_labels.append(f'<text class="edge-label" x="{mx:.1f}" y="{my - 4:.1f}" font-size="{EDGE_FONT}" '
                               f'text-anchor="middle" fill="#333" stroke="#fff" stroke-width="3" '
                               f'paint-order="stroke">{escape(e.label)}</text>')
        out.append("</g>")
    colours = _colours(graph)
    for nd in graph.nodes:
        out.append(f'<g class="node"><title>{escape(nd.group)}</title>'
                   f'<circle cx="{nd.x:.1f}" cy="{nd.y:.1f}" r="{nd.radius:.1f}" fill="{colours[nd.group]}" '
                   f'stroke="#2d4d70" stroke-width="1.5"/>'
                   f'<text x="{nd.x:.1f}" y="{nd.y + nd.radius + NODE_FONT + 2:.1f}" font-size="{NODE_FONT}" '
                   f'text-anchor="middle" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">'
                   f'{escape(nd.term)}</text></g>')
    out.extend(edge_labels)  # last, so no node or line hides them
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _font(size: int):
    from PIL import ImageFont

    for name in ("DejaVuSans.ttf", "Arial.ttf", "Helvetica.ttc", "LiberationSans-Regular.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def to_png_bytes(graph: ConceptGraph, scale: float = 2.0) -> bytes:
    """Rasterised with Pillow at `scale` (2 = crisp on high-density screens and in print)."""
    import io

    from PIL import Image, ImageDraw

    s = scale
    img = Image.new("RGB", (max(1, int(graph.width * s)), max(1, int(graph.height * s))), "white")
    draw = ImageDraw.Draw(img)
    node_font, edge_font = _font(int(NODE_FONT * s)), _font(int(EDGE_FONT * s))
    labels = []
    for e, (x1, y1, x2, y2), (mx, my), (ux, uy) in _edge_geometry(graph):
        width = max(1, int((1 + min(e.weight, 6) * 0.4) * s))
        if e.label == RELATED:
            steps = int(math.hypot(x2 - x1, y2 - y1) // 9)
            for k in range(0, steps, 2):
                a0, a1 = k / max(steps, 1), min(1.0, (k + 1) / max(steps, 1))
                draw.line([((x1 + (x2 - x1) * a0) * s, (y1 + (y2 - y1) * a0) * s),
                           ((x1 + (x2 - x1) * a1) * s, (y1 + (y2 - y1) * a1) * s)], fill="#888", width=width)
            continue
        draw.line([(x1 * s, y1 * s), (x2 * s, y2 * s)], fill="#888", width=width)
        tip = (x2 * s, y2 * s)
        back = (x2 - ux * 10, y2 - uy * 10)
        draw.polygon([tip, ((back[0] - uy * 5) * s, (back[1] + ux * 5) * s),
                      ((back[0] + uy * 5) * s, (back[1] - ux * 5) * s)], fill="#555")
        labels.append((e.label, mx * s, (my - 4) * s))
    colours = _colours(graph)
    for nd in graph.nodes:
        r = nd.radius * s
        draw.ellipse([nd.x * s - r, nd.y * s - r, nd.x * s + r, nd.y * s + r], fill=colours[nd.group], outline="#2d4d70",
                     width=max(1, int(1.5 * s)))
        draw.text((nd.x * s, (nd.y + nd.radius + NODE_FONT + 2) * s), nd.term, font=node_font, fill="#111",
                  anchor="ms", stroke_width=int(2 * s), stroke_fill="white")
    for text, x, y in labels:  # last, so no node or line hides them
        draw.text((x, y), text, font=edge_font, fill="#333", anchor="ms", stroke_width=int(2 * s), stroke_fill="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def render_svg(concepts: Sequence[Concept], relations: Sequence[Relation], path: str | Path) -> Path:
    from harvest_desktop.core.settings import atomic_write_text

    path = Path(path)
    atomic_write_text(path, to_svg(build_graph(concepts, relations)))
    return path


def render_png(concepts: Sequence[Concept], relations: Sequence[Relation], path: str | Path,
               scale: float = 2.0) -> Path:
    from harvest_desktop.core.settings import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, to_png_bytes(build_graph(concepts, relations), scale))
    return path
