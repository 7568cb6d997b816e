"""The product's core promise, made visible: a citation in an output opens its source at that page
with the passage highlighted; a search result does the same; a book shows as a book (outline,
headings, every page reachable, loaded as you scroll); quiz answers stay hidden until asked for."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QUrl

from tests.books import make_book, write_pdf
from tests.ui.helpers import drop_files, wait_status


def _visible_text(view) -> str:
    top = view.cursorForPosition(QPoint(4, 4)).block()
    lines = []
    block = top
    for _ in range(12):
        if not block.isValid():
            break
        lines.append(block.text())
        block = block.next()
    return "\n".join(lines)


def test_citation_click_opens_the_source_at_its_page_with_the_passage_highlighted(make_app, qtbot, tmp_path):
    book = tmp_path / "book.pdf"
    write_pdf(make_book(pages=30, chapters=3), book)
    app = make_app()
    w = app.window
    drop_files(w, [book])
    src = wait_status(qtbot, w, "book.pdf", "ready", timeout=180000)
    w.formats.select_format("study-guide")
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=120000)
    refs = w.output_view.references
    assert refs, "the output shows numbered citations"
    assert "cite:" in w.output_view.toHtml()
    # the citation furthest into the book, so the preview has to load and scroll to reach it
    n, cit = max(refs.items(), key=lambda kv: (kv[1].page or 0))
    assert cit.page and cit.page > 5 and cit.quote
    w.output_view.anchorClicked.emit(QUrl(f"cite:{n}"))
    qtbot.waitUntil(lambda: w.reader.source_id == src.id and bool(w.reader.highlighted_text()), timeout=20000)
    assert w.tabs.currentIndex() == 0
    marked = " ".join(w.reader.highlighted_text().split())
    assert marked and marked[:25] in " ".join(cit.quote.split())
    index = w.reader.block_for(cit.page, cit.quote)
    block = w.reader.blocks[index]
    assert block.page <= cit.page <= (block.page_end or block.page)
    assert w.reader.view.viewport().rect().contains(w.reader.view.cursorRect())  # scrolled into view


def test_search_result_opens_its_passage_and_outline_jumps(make_app, qtbot, tmp_path):
    book = tmp_path / "book.pdf"
    truth = write_pdf(make_book(pages=40, chapters=4), book)
    app = make_app()
    w = app.window
    drop_files(w, [book])
    src = wait_status(qtbot, w, "book.pdf", "ready", timeout=180000)
    w.sources.select(src.id)
    qtbot.waitUntil(lambda: w.reader.source_id == src.id, timeout=20000)
    reader = w.reader
    assert reader.outline.topLevelItemCount() >= 4  # chapters from the book's outline
    assert reader.loaded < len(reader.blocks)  # the rest loads as you scroll
    last = reader.outline.topLevelItem(reader.outline.topLevelItemCount() - 1)
    reader._jump(last)
    heading = " ".join(reader.blocks[last.data(0, 256)].text.split())
    qtbot.waitUntil(lambda: heading[:20] in _visible_text(reader.view), timeout=5000)
    bar = reader.view.verticalScrollBar()
    for _ in range(200):  # scroll to the end: every block becomes reachable
        bar.setValue(bar.maximum())
        if reader.loaded == len(reader.blocks):
            break
    assert reader.loaded == len(reader.blocks)
    assert truth is not None

    w.run_search("boundary")
    qtbot.waitUntil(lambda: w.search.results.count() > 0, timeout=60000)
    hit = w.search.hits[-1]
    w.search.results.itemActivated.emit(w.search.results.item(w.search.results.count() - 1))
    qtbot.waitUntil(lambda: reader.highlighted_text() != "", timeout=20000)
    assert " ".join(reader.highlighted_text().split())[:20] in " ".join(hit.text.split())


def test_quiz_answers_hidden_until_asked(make_app, docs, qtbot):
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.formats.select_format("quiz")
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=60000)
    text = w.output_view.toPlainText()
    assert "Show the answers" in text
    import json

    answers = [q["answer"] for q in json.loads(w.current_output.content_json)["questions"] if q.get("answer")]
    key_before = text.split("Show the answers")[0]
    assert "Answer key" in key_before or "Questions" in key_before
    w.output_view.anchorClicked.emit(QUrl("show:answers"))
    after = w.output_view.toPlainText()
    assert "Show the answers" not in after and any(a in after for a in answers)


def test_ask_box_answers_with_citations_that_open_the_source_or_says_the_sources_do_not_say(
        make_app, docs, qtbot):
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    src = wait_status(qtbot, w, "biology.md", "ready")
    w.ask.box.setText("What is chlorophyll?")
    w.ask.button.click()
    qtbot.waitUntil(lambda: bool(w.ask.answer.references) or "do not say" in w.ask.status.text(), timeout=60000)
    answer_text = w.ask.answer.toPlainText()
    assert "chlorophyll" in answer_text.lower() and w.ask.answer.references
    n = min(w.ask.answer.references)
    w.ask.answer.anchorClicked.emit(QUrl(f"cite:{n}"))
    qtbot.waitUntil(lambda: w.reader.source_id == src.id and bool(w.reader.highlighted_text()), timeout=20000)

    w.tabs.setCurrentWidget(w.ask)
    w.ask.box.setText("Who won the 1998 football world cup final in Paris?")
    w.ask.button.click()
    qtbot.waitUntil(lambda: "do not say" in w.ask.status.text(), timeout=60000)
    assert "The sources do not say." in w.ask.answer.toPlainText()


def test_formats_pane_count_types_and_chapters_reach_the_generator(make_app, qtbot, tmp_path):
    import json

    book = tmp_path / "book.pdf"
    write_pdf(make_book(pages=24, chapters=3), book)
    app = make_app()
    w = app.window
    drop_files(w, [book])
    wait_status(qtbot, w, "book.pdf", "ready", timeout=180000)
    w.formats.select_format("quiz")
    assert w.formats.types_widget.isVisibleTo(w.formats)
    w.formats.count.setValue(5)
    w.formats.type_boxes["matching"].setChecked(False)
    w.formats.type_boxes["tf"].setChecked(False)
    w.formats.chapters.setText("2")
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=120000)
    questions = json.loads(w.current_output.content_json)["questions"]
    assert 0 < len(questions) <= 5
    assert {q["type"] for q in questions} <= {"mcq", "cloze"}
    chapters = {q["chapter"] for q in questions if q.get("chapter")}
    import re

    assert chapters and all(re.search(r"\b2\b", c) for c in chapters), chapters  # chapter 2 only
    w.formats.select_format("study-guide")
    assert not w.formats.types_widget.isVisibleTo(w.formats)
