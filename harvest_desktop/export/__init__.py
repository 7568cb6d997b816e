"""Writers for generated outputs; the target's extension picks the writer."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Callable

from harvest_desktop.core.errors import BadInput, DiskFull, KnownError
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


def check_target(path: Path, *, overwrite: bool = False) -> Path:
    """Refuse a target that cannot be written safely, before any work is done for it.

    The folder must exist (it is never created silently); a link, device, pipe or folder at the
    target is never replaced or written through; an existing file only with overwrite."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
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
    data = WRITERS[path.suffix.lower()](out)
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
