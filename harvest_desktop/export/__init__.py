"""Writers for generated outputs; the target's extension picks the writer."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from harvest_desktop.core.errors import BadInput, KnownError
from harvest_desktop.core.settings import atomic_write_bytes


def _markdown(out) -> bytes:
    return out.markdown.encode("utf-8")


def _pdf(out) -> bytes:
    from harvest_desktop.export.pdf import render_pdf

    return render_pdf(out.title, out.markdown)


def _json(out) -> bytes:
    import json

    payload = {"title": out.title, "format": out.format, "engine": out.engine,
               "route_reason": out.route_reason, "created_at": out.created_at,
               "content": json.loads(out.content_json)}
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")


WRITERS: dict[str, Callable[[object], bytes]] = {".md": _markdown, ".pdf": _pdf, ".json": _json}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(WRITERS)


def write_output(out, path: Path, *, overwrite: bool = False) -> Path:
    """Render and write atomically; an existing file is only replaced when overwrite is asked for."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    writer = WRITERS.get(suffix)
    if writer is None:
        raise BadInput(f"cannot write '{suffix or 'no extension'}' files", item=path.name,
                       hint="use one of: " + ", ".join(SUPPORTED_EXTENSIONS))
    if path.exists() and not overwrite:
        raise KnownError("the file already exists and was left untouched", item=str(path),
                         hint="choose another name, or allow overwriting (--force in the CLI)")
    if path.is_dir():
        raise BadInput("the target is a folder", item=str(path), hint="give a file name")
    data = writer(out)
    try:
        atomic_write_bytes(path, data)
    except PermissionError:
        raise KnownError("no permission to write here", item=str(path), hint="choose another folder") from None
    except OSError as exc:
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
