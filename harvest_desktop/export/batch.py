"""Batch export: many outputs into one folder, each in the file types asked for, with an index."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import BadInput, KnownError
from harvest_desktop.core.progress import Progress, ProgressFn, no_progress

DEFAULT_TYPES = (".pdf", ".md", ".json")


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "output #3 as .csv: quizzes and flashcards only"
    failed: list[str] = field(default_factory=list)  # one line per output that could not be written
    index: Path | None = None


def file_stem(out) -> str:
    stem = re.sub(r"[^\w\- ]+", "", out.title or "", flags=re.UNICODE).strip()
    stem = re.sub(r"\s+", "-", stem).lower()[:60] or "output"
    return f"{out.id:03d}-{out.format}-{stem}"


def export_all(outputs: Sequence, folder: Path, *, types: Iterable[str] = DEFAULT_TYPES,
               overwrite: bool = False, cancel: CancelToken = NEVER,
               progress: ProgressFn = no_progress) -> BatchResult:
    """Write every output as each type its format allows; one failure never stops the batch."""
    from harvest_desktop.export import exporter, extensions_for, output_content, write_output

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise BadInput(f"the folder {folder} does not exist", item=str(folder),
                       hint="create it first, or choose another folder")
    types = [t if t.startswith(".") else "." + t for t in (x.strip().lower() for x in types) if t]
    unknown = [t for t in types if exporter(t) is None]
    if unknown:
        raise BadInput(f"cannot write {', '.join(unknown)} files", item=str(folder),
                       hint="use some of: " + ", ".join(extensions_for("")))
    result = BatchResult()
    rows: list[tuple[object, list[Path]]] = []
    total = len(outputs) * len(types)
    done = 0
    for out in outputs:
        files: list[Path] = []
        try:
            kind = output_content(out).kind
        except KnownError as exc:
            result.failed.append(str(exc))
            continue
        for ext in types:
            cancel.check()
            done += 1
            progress(Progress(done, total, f"Exporting {out.title} ({ext})"))
            if ext not in extensions_for(kind):
                result.skipped.append(f"output #{out.id} as {ext}: a {kind} cannot be written as {ext}")
                continue
            try:
                files.append(write_output(out, folder / (file_stem(out) + ext), overwrite=overwrite))
            except KnownError as exc:
                result.failed.append(f"output #{out.id} as {ext}: {exc}")
        result.written += files
        rows.append((out, files))
    result.index = _write_index(folder, rows, overwrite=overwrite)
    return result


def _write_index(folder: Path, rows, *, overwrite: bool) -> Path:
    """index.html: one line per output with its title, format, engine, date and its files."""
    from harvest_desktop.core.settings import atomic_write_bytes

    items = []
    for out, files in rows:
        links = " · ".join(f'<a href="{html.escape(p.name, quote=True)}">{html.escape(p.suffix[1:])}</a>'
                           for p in files) or "no file written"
        items.append(f"<tr><td>{out.id}</td><td>{html.escape(out.title)}</td><td>{html.escape(out.format)}</td>"
                     f"<td>{html.escape(out.engine)}</td><td>{html.escape((out.created_at or '')[:10])}</td>"
                     f"<td>{links}</td></tr>")
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Harvest export</title>"
            "<style>body{font-family:sans-serif;margin:2rem}td,th{padding:.3rem .6rem;text-align:left;"
            "border-bottom:1px solid #ddd}</style></head><body><h1>Harvest export</h1><table>"
            "<tr><th>#</th><th>Title</th><th>Format</th><th>Engine</th><th>Made</th><th>Files</th></tr>"
            + "".join(items) + "</table></body></html>\n")
    path = folder / "index.html"
    if path.exists() and not overwrite:
        path = folder / "index (new).html"
    atomic_write_bytes(path, page.encode("utf-8"), make_parents=False)
    return path
