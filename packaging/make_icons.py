"""Draw the Harvest app icon and write every size and format the platforms ask for.

    python packaging/make_icons.py        # writes resources/icons/

The icon: a rounded green tile, a white page with a folded corner and three lines of text, and a
golden ear of grain across it (harvesting what documents hold). Drawn once at 1024 px with
anti-aliasing by supersampling, then scaled down; the SVG is the same drawing by hand.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]  # freedesktop hicolor sizes
BASE = 1024
SS = 2  # supersampling factor for the master drawing

GREEN_TOP = (46, 125, 50)
GREEN_BOTTOM = (27, 94, 32)
PAGE = (255, 255, 255)
FOLD = (200, 230, 201)
LINE = (165, 182, 168)
GRAIN = (249, 168, 37)
GRAIN_DARK = (230, 134, 0)

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2e7d32"/>
      <stop offset="1" stop-color="#1b5e20"/>
    </linearGradient>
  </defs>
  <rect x="48" y="48" width="928" height="928" rx="200" fill="url(#bg)"/>
  <path d="M272 176 H620 L752 308 V848 H272 Z" fill="#ffffff"/>
  <path d="M620 176 V308 H752 Z" fill="#c8e6c9"/>
  <g stroke="#a5b6a8" stroke-width="40" stroke-linecap="round">
    <line x1="344" y1="420" x2="680" y2="420"/>
    <line x1="344" y1="520" x2="680" y2="520"/>
    <line x1="344" y1="620" x2="560" y2="620"/>
  </g>
{grain}
</svg>
"""


def _grain_geometry():
    """Stem and kernels of the ear of grain, in 1024-unit coordinates."""
    x0, y0, x1, y1 = 380, 900, 820, 300  # stem from bottom-left to top-right
    angle = math.atan2(y1 - y0, x1 - x0)
    kernels = []
    for i in range(5):
        t = 0.35 + i * 0.14
        cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        for side in (-1, 1):
            off = math.radians(38) * side
            d = 44
            kx, ky = cx + d * math.cos(angle + off), cy + d * math.sin(angle + off)
            kernels.append((kx, ky, math.degrees(angle + off)))
    tip = (x1 + 30 * math.cos(angle), y1 + 30 * math.sin(angle), math.degrees(angle))
    kernels.append(tip)
    return (x0, y0, x1, y1), kernels


def _ellipse_points(cx, cy, rx, ry, deg, n=48):
    a = math.radians(deg)
    pts = []
    for k in range(n):
        t = 2 * math.pi * k / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)))
    return pts


def draw_master() -> Image.Image:
    size = BASE * SS
    s = SS
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    # background gradient, masked by a rounded square
    grad = Image.new("RGBA", (size, size))
    gd = ImageDraw.Draw(grad)
    for y in range(size):
        t = y / (size - 1)
        col = tuple(round(a + (b - a) * t) for a, b in zip(GREEN_TOP, GREEN_BOTTOM)) + (255,)
        gd.line([(0, y), (size, y)], fill=col)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle([48 * s, 48 * s, 976 * s, 976 * s], radius=200 * s, fill=255)
    img.paste(grad, (0, 0), mask)
    d = ImageDraw.Draw(img)
    # page with folded corner
    d.polygon([(272 * s, 176 * s), (620 * s, 176 * s), (752 * s, 308 * s), (752 * s, 848 * s),
               (272 * s, 848 * s)], fill=PAGE)
    d.polygon([(620 * s, 176 * s), (620 * s, 308 * s), (752 * s, 308 * s)], fill=FOLD)
    for y, x2 in ((420, 680), (520, 680), (620, 560)):
        d.line([(344 * s, y * s), (x2 * s, y * s)], fill=LINE, width=40 * s)
        for x in (344, x2):
            d.ellipse([(x - 20) * s, (y - 20) * s, (x + 20) * s, (y + 20) * s], fill=LINE)
    # ear of grain
    (x0, y0, x1, y1), kernels = _grain_geometry()
    d.line([(x0 * s, y0 * s), (x1 * s, y1 * s)], fill=GRAIN_DARK, width=26 * s)
    for kx, ky, deg in kernels:
        d.polygon([(px * s, py * s) for px, py in _ellipse_points(kx, ky, 62, 30, deg)], fill=GRAIN)
    return img.resize((BASE, BASE), Image.LANCZOS)


def grain_svg() -> str:
    (x0, y0, x1, y1), kernels = _grain_geometry()
    parts = [f'  <line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#e68600" stroke-width="26" '
             f'stroke-linecap="round"/>']
    for kx, ky, deg in kernels:
        parts.append(f'  <ellipse cx="{kx:.1f}" cy="{ky:.1f}" rx="62" ry="30" fill="#f9a825" '
                     f'transform="rotate({deg:.1f} {kx:.1f} {ky:.1f})"/>')
    return "\n".join(parts)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    master = draw_master()
    for n in SIZES:
        master.resize((n, n), Image.LANCZOS).save(OUT / f"harvest-{n}.png", optimize=True)
    master.resize((256, 256), Image.LANCZOS).save(
        OUT / "harvest.ico", sizes=[(n, n) for n in (16, 24, 32, 48, 64, 128, 256)])
    master.save(OUT / "harvest.icns")
    (OUT / "harvest.svg").write_text(SVG.format(grain=grain_svg()), encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"icons written to {OUT} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
