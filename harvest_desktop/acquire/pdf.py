"""PDF reader: text per page (pypdfium2), page numbers kept for citations."""

from __future__ import annotations

from pathlib import Path

from harvest_desktop.core.document import Block, Document, blocks_from_plain_text
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.settings import HarvestLimits


def read_pdf(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    import pypdfium2 as pdfium

    item = path.name
    if not data.lstrip()[:1024].find(b"%PDF") >= 0:
        raise BadInput("the file is not a PDF (no PDF header)", item=item,
                       hint="check that the file extension matches its content")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise BadInput("the PDF is password-protected", item=item,
                           hint="remove the password (print to PDF) and add it again") from None
        raise BadInput(f"the PDF cannot be read ({msg})", item=item,
                       hint="the file may be damaged or truncated") from None
    try:
        n_pages = len(pdf)
        if n_pages > limits.max_pages:
            raise LimitExceeded(f"the PDF has {n_pages} pages, over the limit of {limits.max_pages} "
                                "(setting: max pages)", item=item)
        blocks: list[Block] = []
        for index in range(n_pages):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
            finally:
                page.close()
            blocks.extend(blocks_from_plain_text(text.replace("\r\n", "\n").replace("\r", "\n"), page=index + 1))
        title = None
        try:
            title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
        except Exception:  # metadata is optional and often malformed
            title = None
    finally:
        pdf.close()
    if not blocks:
        raise BadInput("the PDF has no text layer (it is probably scanned)", item=item,
                       hint="install Tesseract OCR (Debian: apt install tesseract-ocr) to read scanned PDFs")
    doc = Document(title=title or path.stem, blocks=blocks, pages=n_pages)
    return doc
