"""PDF reader: a book's structure and clean text (pypdfium2), page numbers kept; scanned pages OCR'd."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from harvest_desktop.acquire.pdf_layout import PageLayout, read_outline, read_page_layout
from harvest_desktop.acquire.pdf_structure import build_blocks
from harvest_desktop.core.document import Block, Document, blocks_from_plain_text, with_heading_paths
from harvest_desktop.core.errors import BadInput, LimitExceeded
from harvest_desktop.core.progress import report_pages
from harvest_desktop.core.settings import HarvestLimits

OCR_HINT = ("install Tesseract OCR to read scanned PDFs (Debian/Ubuntu: sudo apt install tesseract-ocr; "
            "macOS: brew install tesseract; Windows: the UB Mannheim installer), then add the file again")
_OCR_DPI = 300
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def _pdf_date(raw: str | None) -> str | None:
    m = _PDF_DATE.match(raw or "")
    if not m:
        return None
    year, month, day = m.group(1), m.group(2) or "01", m.group(3) or "01"
    return f"{year}-{month}-{day}"


def read_pdf(path: Path, data: bytes, limits: HarvestLimits) -> Document:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    started = time.monotonic()
    item = path.name
    if data[:1024].find(b"%PDF") < 0:
        raise BadInput("the file is not a PDF (no PDF header)", item=item,
                       hint="check that the file extension matches its content")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise BadInput("the PDF is password-protected", item=item,
                           hint="remove the password (open it and print to PDF) and add it again") from None
        raise BadInput(f"the PDF cannot be read ({msg})", item=item,
                       hint="the file may be damaged or truncated") from None
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise BadInput("the PDF has no pages", item=item, hint="the file may be damaged or truncated")
        if n_pages > limits.max_pages:
            raise LimitExceeded(f"the PDF has {n_pages} pages, over the limit of {limits.max_pages} "
                                "(setting: max pages)", item=item)
        page_texts: list[str] = []
        layouts: list[PageLayout] = []
        needs_ocr: list[int] = []
        for index in range(n_pages):
            report_pages(index, n_pages)
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                    if len(text.strip()) >= 3:
                        layouts.append(read_page_layout(page, textpage, index, text))
                finally:
                    textpage.close()
                if len(text.strip()) < 3:
                    has_image = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE],
                                                                   max_depth=2))
                    if has_image:
                        needs_ocr.append(index)
            finally:
                page.close()
            page_texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
        report_pages(n_pages, n_pages)
        outline = read_outline(pdf)
        warnings: list[str] = []
        if needs_ocr:
            if tesseract_available():
                for k, index in enumerate(needs_ocr):
                    report_pages(k, len(needs_ocr), "OCR")
                    remaining = limits.parse_timeout_s - (time.monotonic() - started)
                    page_texts[index] = _ocr_page(pdf, index, limits, max(1.0, remaining), item)
            else:
                warnings.append(f"{len(needs_ocr)} scanned page(s) were not read: {OCR_HINT}")
        blocks, _stats = build_blocks(layouts, outline)
        ocr_pages = [i for i in needs_ocr if page_texts[i].strip()]
        if ocr_pages:  # OCR'd pages have no type styles: their paragraphs go in at their page
            for index in ocr_pages:
                blocks.extend(blocks_from_plain_text(page_texts[index], page=index + 1))
            blocks.sort(key=lambda b: b.page or 0)
            blocks = with_heading_paths(blocks)
        meta: dict[str, str] = {}
        try:
            meta = pdf.get_metadata_dict()
        except Exception:  # metadata is optional and often malformed
            meta = {}
    finally:
        pdf.close()
    if not blocks:
        if needs_ocr and not tesseract_available():
            raise BadInput("the PDF is scanned (it has no text layer) and Tesseract OCR is not installed",
                           item=item, hint=OCR_HINT)
        raise BadInput("the PDF has no text", item=item)
    doc = Document(title=(meta.get("Title") or "").strip() or path.stem, blocks=blocks, pages=n_pages,
                   warnings=warnings)
    doc.attribution.author = (meta.get("Author") or "").strip() or None
    doc.attribution.published = _pdf_date(meta.get("CreationDate"))
    return doc


def _ocr_page(pdf, index: int, limits: HarvestLimits, timeout_s: float, item: str) -> str:
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    page = pdf[index]
    try:
        image = page.render(scale=_OCR_DPI / 72).to_pil()
    finally:
        page.close()
    try:
        return pytesseract.image_to_string(image, lang=limits.ocr_languages or "eng", timeout=timeout_s)
    except RuntimeError as exc:  # pytesseract reports its timeout this way
        if "timeout" in str(exc).lower():
            raise LimitExceeded(f"OCR of page {index + 1} took longer than the limit of "
                                f"{limits.parse_timeout_s:g} s (setting: parse timeout)", item=item) from None
        raise BadInput(f"OCR failed on page {index + 1} ({exc})", item=item) from None
    except pytesseract.TesseractError as exc:
        raise BadInput(f"OCR failed on page {index + 1} ({exc.message})", item=item,
                       hint="check that the Tesseract language data for "
                            f"'{limits.ocr_languages}' is installed") from None
