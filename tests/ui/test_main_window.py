"""The window end to end: drop a file, harvest, generate, export, restart."""

from __future__ import annotations

from pathlib import Path

from tests.ui.helpers import drop_files, wait_status


def test_drop_generate_export_pdf(make_app, docs, qtbot, tmp_path):
    from pypdf import PdfReader

    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    src = wait_status(qtbot, w, "biology.md", "ready")
    assert w.sources.status_of(src.id) == "Ready"

    # selecting the source shows its attribution and text
    w.sources.select(src.id)
    qtbot.waitUntil(lambda: "Photosynthesis" in w.preview_text.toPlainText(), timeout=10000)
    assert "biology" in w.preview_info.toPlainText().lower()

    w.formats.select_format("study-guide")
    assert w.formats.generate_button.isEnabled()
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=30000)
    assert "photosynthesis" in w.output_view.toPlainText().lower()

    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    w.export_pane.folder.setText(str(out_dir))
    assert w.export_pane.set_extension(".pdf")
    w.export_pane.export_button.click()
    qtbot.waitUntil(lambda: w.export_pane.last_path is not None, timeout=60000)
    pdf = w.export_pane.last_path
    assert pdf.parent == out_dir and pdf.suffix == ".pdf"
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages).lower()
    for term in ("photosynthesis", "chlorophyll", "mitochondria"):
        assert term in text
    assert app.settings.last_export_dir == str(out_dir)

    opened = []
    w.open_url = opened.append
    w.export_pane.show_button.click()
    assert opened and Path(opened[0].toLocalFile()) == out_dir
