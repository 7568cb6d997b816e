"""Writers for generated outputs: one registry says which file type takes which format.

Every writer reads the output's structured content (formats/schema.py), never its Markdown; the
CLI, the Export pane and the file dialog's filters all come from EXPORTERS, so nothing is offered
that cannot be written. PDF, DOCX, HTML and Markdown render one shared document model
(export/docmodel.py)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
import json
from dataclasses import dataclass
from typing import Any, Callable

from harvest_desktop.core.errors import BadInput, DiskFull, KnownError
from harvest_desktop.core.settings import atomic_write_bytes
from harvest_desktop.export.docmodel import OutputMeta


@dataclass(frozen=True)
class Exporter:
    """One file type: which format kinds it takes and how it renders their structured content."""

    ext: str
    label: str
    kinds: frozenset[str]  # empty: every kind
    render: Callable[[Any, OutputMeta], bytes]

    def accepts(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


def _doc(content, meta):
    from harvest_desktop.export.docmodel import build_document

    return build_document(content, meta)


def _md(content, meta) -> bytes:
    from harvest_desktop.export.text_writers import render_markdown

    return render_markdown(_doc(content, meta)).encode("utf-8")


def _html(content, meta) -> bytes:
    from harvest_desktop.export.text_writers import render_html

    return render_html(_doc(content, meta)).encode("utf-8")


def _pdf(content, meta) -> bytes:
    from harvest_desktop.export.pdf import render_pdf

    return render_pdf(_doc(content, meta))


def _docx(content, meta) -> bytes:
    from harvest_desktop.export.docx_writer import render_docx

    return render_docx(_doc(content, meta))


def _csv(content, meta) -> bytes:
    from harvest_desktop.export.data_writers import render_csv

    return render_csv(content)


def _json(content, meta) -> bytes:
    from harvest_desktop.export.data_writers import render_json

    return render_json(content, meta)


def _apkg(content, meta) -> bytes:
    from harvest_desktop.export.apkg import render_apkg

    return render_apkg(content, meta.title)


_STUDY_ITEMS = frozenset({"quiz", "flashcards"})
EXPORTERS: tuple[Exporter, ...] = (
    Exporter(".pdf", "PDF document", frozenset(), _pdf),
    Exporter(".md", "Markdown", frozenset(), _md),
    Exporter(".html", "Web page (HTML)", frozenset(), _html),
    Exporter(".docx", "Word document", frozenset(), _docx),
    Exporter(".csv", "CSV table", _STUDY_ITEMS, _csv),
    Exporter(".json", "JSON data", frozenset(), _json),
    Exporter(".apkg", "Anki deck", _STUDY_ITEMS, _apkg),
)
_BY_EXT = {e.ext: e for e in EXPORTERS}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_BY_EXT)


def exporter(ext: str) -> Exporter | None:
    return _BY_EXT.get(ext.lower())


def extensions_for(kind: str) -> tuple[str, ...]:
    """The file types an output of this format can be written as (what UI and CLI offer)."""
    return tuple(e.ext for e in EXPORTERS if e.accepts(kind))


def file_filter(kind: str) -> str:
    """A file-dialog filter string listing exactly the writable types for this format."""
    return ";;".join(f"{e.label} (*{e.ext})" for e in EXPORTERS if e.accepts(kind))


def output_content(out):
    """The structured content of a stored output, or a clear error when it cannot be read."""
    from harvest_desktop.formats.schema import content_from_dict

    try:
        data = json.loads(out.content_json or "{}")
        if isinstance(data, dict) and not data.get("kind"):
            data = {**data, "kind": out.format}
        return content_from_dict(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise KnownError(f"its stored content cannot be read ({exc})", item=f"output #{out.id} “{out.title}”",
                         hint="generate it again") from None


def output_meta(out) -> OutputMeta:
    return OutputMeta(title=out.title, format=out.format, engine=out.engine, created_at=out.created_at,
                      output_id=out.id, route_reason=getattr(out, "route_reason", "") or "")


def render(out, ext: str) -> bytes:
    """The bytes of one output as one file type, from its structured content."""
    exp = exporter(ext)
    if exp is None:
        raise BadInput(f"cannot write '{ext or 'no extension'}' files", item=out.title,
                       hint="use one of: " + ", ".join(SUPPORTED_EXTENSIONS))
    content = output_content(out)
    if not exp.accepts(content.kind):
        raise BadInput(f"a {content.kind} cannot be written as {ext}", item=out.title,
                       hint="use one of: " + ", ".join(extensions_for(content.kind)))
    return exp.render(content, output_meta(out))


def check_target(path: Path, *, overwrite: bool = False) -> Path:
    """Refuse a target that cannot be written safely, before any work is done for it.

    The folder must exist (it is never created silently); a link, device, pipe or folder at the
    target is never replaced or written through; an existing file only with overwrite."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in _BY_EXT:
        raise BadInput(f"cannot write '{suffix or 'no extension'}' files", item=path.name,
                       hint="use one of: " + ", ".join(SUPPORTED_EXTENSIONS))
    folder = path.parent
    if not folder.is_dir():
        raise BadInput(f"the folder {folder} does not exist", item=str(path),
                       hint="create it first, or choose another folder")
    if os.path.islink(path):
        raise BadInput("the target is a symbolic link; Harvest does not write through or replace links",
                       item=str(path), hint="give the path of a regular file")
    if os.path.lexists(path):
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            raise BadInput("the target is a folder", item=str(path), hint="give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise BadInput("the target exists and is not a regular file (a device, pipe or socket); "
                           "it was left untouched", item=str(path), hint="choose another name")
        if not overwrite:
            raise KnownError("the file already exists and was left untouched", item=str(path),
                             hint="choose another name, or allow overwriting (--force in the CLI)")
    return path


def write_output(out, path: Path, *, overwrite: bool = False) -> Path:
    """Render and write atomically; an existing file is only replaced when overwrite is asked for.

    On any failure nothing is left behind: no partial file, and the target as it was."""
    path = check_target(path, overwrite=overwrite)
    data = render(out, path.suffix.lower())
    check_target(path, overwrite=overwrite)  # rendering takes a while: look again just before writing
    try:
        atomic_write_bytes(path, data, make_parents=False, replace=overwrite)
    except FileExistsError:
        raise KnownError("the file already exists and was left untouched", item=str(path),
                         hint="choose another name, or allow overwriting (--force in the CLI)") from None
    except PermissionError:
        raise KnownError("no permission to write here", item=str(path), hint="choose another folder") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise DiskFull("the disk is full, so the file was not written", item=str(path),
                           hint="free some space and export again") from None
        raise KnownError(f"could not write the file ({exc.strerror})", item=str(path),
                         hint="check free disk space and the folder") from None
    return path


def unique_path(path: Path) -> Path:
    """First free 'name (2).ext' style path next to path; never overwrites."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1
