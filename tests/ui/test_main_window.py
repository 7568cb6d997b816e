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
    w.open_url = lambda url: opened.append(url) or True
    w.export_pane.show_button.click()
    assert opened and Path(opened[0].toLocalFile()) == out_dir


def test_export_pane_offers_the_registry_types_names_previews_and_says_when_no_file_manager(
        make_app, docs, qtbot, tmp_path):
    from harvest_desktop.export import extensions_for

    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.formats.select_format("study-guide")
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=30000)
    pane = w.export_pane
    offered = [pane.kind.itemData(i) for i in range(pane.kind.count())]
    assert offered == list(extensions_for("study-guide")) and ".apkg" not in offered
    assert pane.folder.text() != str(Path.cwd()) or Path.cwd() == Path.home()
    qtbot.waitUntil(lambda: pane.preview.pixmap() is not None and not pane.preview.pixmap().isNull(),
                    timeout=60000)  # the first page, rendered in the background
    out_dir = tmp_path / "mine"
    out_dir.mkdir()
    pane.folder.setText(str(out_dir))
    pane.name.setText("My chapter 3 notes.docx")
    assert pane.set_extension(".docx")
    pane.export_button.click()
    qtbot.waitUntil(lambda: pane.last_path is not None, timeout=60000)
    assert pane.last_path == out_dir / "My chapter 3 notes.docx" and pane.last_path.stat().st_size > 0

    w.open_url = lambda url: False  # no file manager on this machine
    pane.show_button.click()
    assert "no file manager" in w.messages.label.text()
