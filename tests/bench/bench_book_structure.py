"""How well books are read as books: headings recovered, running heads left, reading speed.

Run:  HARVEST_BENCH_BOOKS=/path/to/pdfs .venv/bin/python -m pytest tests/bench/bench_book_structure.py -s
      (or python -m tests.bench.bench_book_structure [folder])

For every real PDF in the folder (any with bookmarks is scored on headings) and for generated books
of 100 and 1,000 pages (tests/books.py), it prints:
- outline→printed: share of the outline's entries found as printed heading lines (outline used);
- typography only: share of the outline's entries found as headings with the outline removed
  (matched by title, ±1 page), and what share of the headings found are outline entries;
- running strings left: chunks that still hold a running head/footer line. Real books: the lines
  that open or close a page and repeat (digits masked) on 3+ pages, found independently of the
  reader; generated books: every head and footer the generator printed;
- read s / 1,000 pages: reading + cleaning + structuring time (pdfium layout included), wall clock
  and CPU time of this process (the CPU figure is the one to compare on a busy machine).
Timings are wall-clock on a shared machine (other jobs use the same 2 cores): compare, don't quote
them as absolutes.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from harvest_desktop.acquire import pdf_structure as ps
from harvest_desktop.acquire.pdf_layout import PageLayout, read_outline, read_page_layout
from harvest_desktop.core.document import Document
from harvest_desktop.index.chunking import chunk_document


def _layouts(path: Path) -> tuple[list[PageLayout], list, float, int]:
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    c0 = time.process_time()
    pdf = pdfium.PdfDocument(str(path))
    lays = []
    n = len(pdf)
    for i in range(n):
        page = pdf[i]
        tp = page.get_textpage()
        text = tp.get_text_range()
        if len(text.strip()) >= 3:
            lays.append(read_page_layout(page, tp, i, text))
        tp.close()
        page.close()
    outline = read_outline(pdf)
    pdf.close()
    _CPU["layout"] = time.process_time() - c0
    return lays, outline, time.perf_counter() - t0, n


_CPU: dict[str, float] = {}


def _copy(lays: list[PageLayout]) -> list[PageLayout]:
    return [PageLayout(p.index, p.width, p.height, list(p.lines), p.boxes) for p in lays]


def _independent_running(lays: list[PageLayout]) -> set[str]:
    """Page-opening/closing lines in body size or smaller that repeat (digits masked) on 3+ pages."""
    seen: Counter[str] = Counter()
    texts: dict[str, set[str]] = {}
    body = ps.body_size(lays)
    for p in lays:
        if not p.lines:
            continue
        ordered = sorted(p.lines, key=lambda ln: -ln.top)
        for ln in (ordered[0], ordered[-1]):
            if ln.size > body * 1.1:
                continue
            key = re.sub(r"\d+", "#", ln.text.strip().lower())
            seen[key] += 1
            texts.setdefault(key, set()).add(ln.text.strip())
    out: set[str] = set()
    for key, n in seen.items():
        if n >= 3 and len(key.replace("#", "").strip()) >= 6:
            out |= {t for t in texts[key] if len(t) >= 8}
    return out


def _recall(outline, blocks) -> tuple[float, float, list]:
    heads = [b for b in blocks if b.kind == "heading"]
    used: set[int] = set()
    missed = []
    for _level, title, page, _y in outline:
        if page is None:
            continue
        tn, tu = ps._norm(title), ps._unnumbered(title)
        hit = None
        for j, h in enumerate(heads):
            if h.page is not None and abs(h.page - 1 - page) <= 1 and \
                    ps._match_score(tn, ps._norm(h.text), tu, ps._unnumbered(h.text)) >= 0.85:
                hit = j
                break
        if hit is None:
            missed.append(title)
        else:
            used.add(hit)
    n = sum(1 for e in outline if e[2] is not None)
    return (1 - len(missed) / n if n else float("nan")), (len(used) / len(heads) if heads else float("nan")), missed


def measure(path: Path, running_truth: set[str] | None = None) -> dict:
    lays, outline, t_layout, n_pages = _layouts(path)
    t0 = time.perf_counter()
    c0 = time.process_time()
    blocks, stats = ps.build_blocks(_copy(lays), outline)
    t_struct = time.perf_counter() - t0
    cpu = _CPU["layout"] + time.process_time() - c0
    row = {"book": path.name, "pages": n_pages, "outline": len(outline),
           "read_s_per_1000": round((t_layout + t_struct) * 1000 / max(1, n_pages), 1),
           "read_cpu_s_per_1000": round(cpu * 1000 / max(1, n_pages), 1),
           "layout_s": round(t_layout, 2), "structure_s": round(t_struct, 2)}
    doc = Document(title=path.stem, blocks=blocks, pages=n_pages)
    chunks = chunk_document(doc)
    running = running_truth if running_truth is not None else _independent_running(lays)
    row["running_strings"] = len(running)
    row["chunks"] = len(chunks)
    row["chunks_with_running"] = sum(1 for c in chunks if any(r in c.text for r in running))
    row["chunks_without_section"] = sum(1 for c in chunks if not c.heading_path and c.kind == "text")
    if outline:
        row["outline_to_printed"] = round(stats.outline_matched / max(1, len(outline)), 3)
        rec, _prec, _missed = _recall(outline, blocks)
        row["outline_as_headings"] = round(rec, 3)
        typo, _s = ps.build_blocks(_copy(lays), [])
        rec, prec, missed = _recall(outline, typo)
        row["typography_recall"] = round(rec, 3)
        row["typography_precision"] = round(prec, 3)
        row["typography_missed"] = missed[:5]
        typo_chunks = chunk_document(Document(title=path.stem, blocks=typo, pages=n_pages))
        row["typography_chunks_with_running"] = sum(1 for c in typo_chunks if any(r in c.text for r in running))
    return row


def _generated(folder: Path, pages: int, chapters: int) -> tuple[Path, set[str]]:
    from tests.books import make_book, write_pdf

    path = folder / f"generated-{pages}p.pdf"
    truth = write_pdf(make_book(pages=pages, chapters=chapters, sections=5, seed=pages), path, outline=True)
    return path, set(truth.running)


def run(folder: str | None, tmp: Path, sizes=(100, 1000)) -> list[dict]:
    rows = []
    if folder:
        for pdf in sorted(Path(folder).glob("*.pdf")):
            rows.append(measure(pdf))
            print(rows[-1], flush=True)
    for pages in sizes:
        path, running = _generated(tmp, pages, max(3, pages // 40))
        rows.append(measure(path, running))
        print(rows[-1], flush=True)
    return rows


def test_bench_book_structure(tmp_path):
    sizes = tuple(int(x) for x in os.environ.get("HARVEST_BENCH_BOOK_PAGES", "100,1000").split(","))
    rows = run(os.environ.get("HARVEST_BENCH_BOOKS"), tmp_path, sizes)
    print("\nbook | pages | outline | outline->printed | typography recall | typography precision | "
          "chunks with running heads (outline / typography) | read s per 1,000 pages (wall / CPU)")
    for r in rows:
        print(f"{r['book']} | {r['pages']} | {r['outline']} | {r.get('outline_to_printed', '-')} | "
              f"{r.get('typography_recall', '-')} | {r.get('typography_precision', '-')} | "
              f"{r['chunks_with_running']} / {r.get('typography_chunks_with_running', '-')} of {r['chunks']} | "
              f"{r['read_s_per_1000']} / {r['read_cpu_s_per_1000']}")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        run(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HARVEST_BENCH_BOOKS"), Path(d))
