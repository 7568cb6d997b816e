"""Export: write a stored output to a file; the file type comes from the path's extension."""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.core.errors import BadInput
from harvest_desktop.services.context import ServiceContext


class ExportService:
    def __init__(self, ctx: ServiceContext, generation) -> None:
        self._ctx = ctx
        self._generation = generation

    def extensions(self, fmt: str | None = None) -> tuple[str, ...]:
        """The file types an output of `fmt` can be written as (every type when fmt is None)."""
        from harvest_desktop.export import SUPPORTED_EXTENSIONS, extensions_for

        return tuple(SUPPORTED_EXTENSIONS) if fmt is None else extensions_for(fmt)

    def file_filter(self, fmt: str) -> str:
        from harvest_desktop.export import file_filter

        return file_filter(fmt)

    def outputs(self) -> list:
        return self._generation.outputs()

    def preview_png(self, output_id: int, width: int = 600) -> bytes:
        """The PDF's first page (its title page) as a PNG (pypdfium2), for the Export pane.

        Only the title page is laid out: it depends on the title, date and sources alone, so the
        body (two platypus passes over a whole book's guide) is not rendered for a preview."""
        import dataclasses

        from harvest_desktop.export import output_content, output_meta
        from harvest_desktop.export.docmodel import build_document
        from harvest_desktop.export.pdf import render_pdf

        out = self._generation.output(output_id)
        if out is None:
            raise BadInput(f"there is no generated output #{output_id}")
        doc = build_document(output_content(out), output_meta(out))
        return first_page_png(render_pdf(dataclasses.replace(doc, blocks=[], references=[])), width)

    def write_all(self, folder: str | Path, *, output_ids=None, types=None, overwrite: bool = False,
                  cancel=None, progress=None):
        """Every output (or the chosen ones) into `folder`, each as the types its format allows."""
        from harvest_desktop.core.cancel import NEVER
        from harvest_desktop.core.progress import no_progress
        from harvest_desktop.export.batch import DEFAULT_TYPES, export_all

        outs = self._generation.outputs()
        if output_ids is not None:
            wanted = set(output_ids)
            outs = [o for o in outs if o.id in wanted]
        return export_all(outs, Path(folder), types=types or DEFAULT_TYPES, overwrite=overwrite,
                          cancel=cancel or NEVER, progress=progress or no_progress)

    def write(self, output_id: int, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write output #output_id to `path`; an existing file is kept unless `overwrite`."""
        from harvest_desktop.export import write_output

        out = self._generation.output(output_id)
        if out is None:
            raise BadInput(f"there is no generated output #{output_id}")
        return write_output(out, Path(path), overwrite=overwrite)


def first_page_png(pdf: bytes, width: int = 600) -> bytes:
    """Render page 1 of a PDF to PNG bytes; the title page is what a person sees first."""
    import io

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return buf.getvalue()
    finally:
        doc.close()
