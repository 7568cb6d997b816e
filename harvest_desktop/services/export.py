"""Export: write a stored output to a file; the file type comes from the path's extension."""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.core.errors import BadInput
from harvest_desktop.services.context import ServiceContext


class ExportService:
    def __init__(self, ctx: ServiceContext, generation) -> None:
        self._ctx = ctx
        self._generation = generation

    def extensions(self) -> tuple[str, ...]:
        from harvest_desktop.export import SUPPORTED_EXTENSIONS

        return tuple(SUPPORTED_EXTENSIONS)

    def write(self, output_id: int, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write output #output_id to `path`; an existing file is kept unless `overwrite`."""
        from harvest_desktop.export import write_output

        out = self._generation.output(output_id)
        if out is None:
            raise BadInput(f"there is no generated output #{output_id}")
        return write_output(out, Path(path), overwrite=overwrite)
