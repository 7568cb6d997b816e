"""Panes follow the library's change events: a write on a worker thread shows up on the main thread."""

from __future__ import annotations

import threading

import pytest

from tests.fixtures_acquire import fast_index
from tests.samples import write_markdown
from tests.ui.helpers import BIOLOGY, drop_files, wait_status

OTHER = """# Volcanoes

A volcano is an opening in the crust through which molten rock, ash and gases escape.
Magma is molten rock stored beneath the surface; when it reaches the surface it is called lava.
"""


@pytest.fixture
def fast_embedder(monkeypatch):
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "embed_texts", fast_index.fake_embed_texts)


def _in_thread(fn):
    """Run a library write the way a job does: on a worker thread, not the one that owns the widgets."""
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:  # surfaced by the test below
            box["error"] = exc

    t = threading.Thread(target=run, name="harvest-test-writer")
    t.start()
    t.join(120)
    assert "error" not in box, box.get("error")
    return box["result"]


def test_panes_follow_change_events_from_worker_threads(qapp, qtbot, library, fast_embedder, tmp_path):
    from harvest_desktop.ui.changes import ChangeFeed
    from harvest_desktop.ui.panes.formats import FormatsPane
    from harvest_desktop.ui.panes.sources import SourcesPane

    feed = ChangeFeed(library)
    sources, formats = SourcesPane(), FormatsPane()
    qtbot.addWidget(sources)
    qtbot.addWidget(formats)
    sources.bind(feed)
    formats.bind(feed)
    heard = []
    feed.changed.connect(heard.append)

    a = write_markdown(tmp_path / "biology.md", BIOLOGY)
    b = write_markdown(tmp_path / "volcano.md", OTHER)
    queued = _in_thread(lambda: library.sources.enqueue([a, b]))
    ids = [s.id for s in queued.queued]
    # Nothing was handed to the pane: the rows arrive through the feed, on this (the main) thread.
    qtbot.waitUntil(lambda: sorted(sources.items) == sorted(ids), timeout=5000)
    assert {sources.status_of(i) for i in ids} == {"Queued"}
    assert sources.ticked_ids() == []  # nothing ready, nothing to tick

    _in_thread(lambda: library.sources.harvest_sync())
    qtbot.waitUntil(lambda: {sources.status_of(i) for i in ids} == {"Ready"}, timeout=10000)
    assert sorted(sources.ticked_ids()) == sorted(ids)  # ready sources are ticked by default

    made = _in_thread(lambda: library.generation.generate("study-guide"))
    qtbot.waitUntil(lambda: made.output.id in formats.output_rows, timeout=5000)
    assert formats.outputs.item(0).text().startswith(made.output.title)

    _in_thread(lambda: library.sources.remove(ids[1]))
    qtbot.waitUntil(lambda: ids[1] not in sources.items, timeout=5000)
    assert sources.ticked_ids() == [ids[0]]
    assert any(ids[1] in c.sources_removed for c in heard)
    feed.close()
    assert len(library.bus) == 0


def test_window_generates_from_the_ticked_sources_only(make_app, tmp_path, qtbot, fast_embedder):
    import json

    folder = tmp_path / "two"
    folder.mkdir()
    write_markdown(folder / "biology.md", BIOLOGY)
    write_markdown(folder / "volcano.md", OTHER)
    app = make_app()
    w = app.window
    drop_files(w, [folder / "biology.md", folder / "volcano.md"])
    bio = wait_status(qtbot, w, "biology.md", "ready")
    volcano = wait_status(qtbot, w, "volcano.md", "ready")
    assert w.formats.generate_button.isEnabled() and w.formats.ready
    w.sources.set_ticked(volcano.id, False)
    assert w.sources.ticked_ids() == [bio.id]
    w.formats.select_format("study-guide")
    w.formats.generate_button.click()
    qtbot.waitUntil(lambda: w.current_output is not None, timeout=60000)
    assert json.loads(w.current_output.source_ids) == [bio.id]
    assert "volcano" not in w.output_view.toPlainText().lower()
    w.sources.set_ticked(bio.id, False)
    assert not w.formats.ready  # nothing ticked: Generate says what to do first
    w.generate("study-guide")
    assert "no source is ticked" in w.messages.label.text()


def test_keep_both_is_stored_in_the_library_not_the_window_state(make_app, tmp_path, qtbot, fast_embedder):
    from harvest_desktop.library import Library
    from harvest_desktop.store.repositories import SourceRepository

    folder = tmp_path / "pair"
    folder.mkdir()
    write_markdown(folder / "old.md", BIOLOGY)
    write_markdown(folder / "new.md", OTHER)
    app = make_app()
    w = app.window
    drop_files(w, [folder / "old.md", folder / "new.md"])
    old = wait_status(qtbot, w, "old.md", "ready")
    new = wait_status(qtbot, w, "new.md", "ready")
    # Flag the pair as the index does when it finds a near-duplicate, and announce it.
    from harvest_desktop.services.changes import Changes

    SourceRepository(app.library.db).mark_ready(new.id, old.id, 0.91, "2026-01-01T00:00:00+00:00")
    app.library.bus.publish(Changes(sources_changed={new.id}))
    qtbot.waitUntil(lambda: "91% similar" in w.sources.status_of(new.id), timeout=5000)
    w.sources.select(new.id)
    assert w.sources.decision.isVisibleTo(w.sources)
    w.sources.keep_both_button.click()
    qtbot.waitUntil(lambda: w.sources.status_of(new.id).endswith("both kept"), timeout=5000)
    assert not w.sources.decision.isVisibleTo(w.sources)
    w.save_state()
    assert not w.ui_state.contains("sources/kept_both")
    other = Library()  # another process's view of the same library
    try:
        assert other.sources.get(new.id).similar_decision == "keep-both"
        assert other.sources.get(old.id).similar_decision == "keep-both"
    finally:
        other.close()


def test_window_and_cli_draw_one_concept_map(make_app, docs, qtbot, tmp_path, fast_embedder):
    """The window's concepts come from the same service call as `harvest concepts`, with the same layout."""
    app = make_app()
    w = app.window
    drop_files(w, [docs / "biology.md"])
    wait_status(qtbot, w, "biology.md", "ready")
    w.find_concepts()
    qtbot.waitUntil(lambda: w.concepts.data is not None and bool(w.concepts.data.concepts), timeout=60000)
    window_svg = w.concepts.export_map(tmp_path / "window.svg").read_text(encoding="utf-8")
    analysis = app.library.concepts.analyse()  # what `harvest concepts --map` calls
    cli_svg = app.library.concepts.write_map(analysis, tmp_path / "cli.svg").read_text(encoding="utf-8")
    assert window_svg == cli_svg and "<svg" in cli_svg
    assert [row[0] for row in w.concepts.data.concepts] == [c.term for c in analysis.concepts]
    drawn = {t: (round(x, 3), round(y, 3)) for t, (x, y) in w.concepts.data.nodes.items()}
    assert drawn == {n.term: (round(n.x, 3), round(n.y, 3)) for n in analysis.graph.nodes}


def test_an_earlier_versions_keep_both_moves_from_the_state_file_into_the_library(make_app, tmp_path, qtbot,
                                                                                  fast_embedder):
    from PySide6.QtCore import QSettings

    from harvest_desktop.core import paths
    from harvest_desktop.library import Library
    from harvest_desktop.store.repositories import SourceRepository

    lib = Library()
    try:
        lib.sources.enqueue([write_markdown(tmp_path / "old.md", BIOLOGY), write_markdown(tmp_path / "new.md", OTHER)])
        _in_thread(lib.sources.harvest_sync)  # the test's Qt loop is already running here
        old, new = lib.sources.find("old.md"), lib.sources.find("new.md")
        SourceRepository(lib.db).mark_ready(new.id, old.id, 0.9, "2026-01-01T00:00:00+00:00")
    finally:
        lib.close()
    state = QSettings(str(paths.data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)
    state.setValue("sources/kept_both", [str(new.id), str(old.id)])
    state.sync()
    app = make_app()
    w = app.window
    qtbot.waitUntil(lambda: w.sources.status_of(new.id).endswith("both kept"), timeout=10000)
    assert app.library.sources.get(new.id).similar_decision == "keep-both"
    w.save_state()
    reread = QSettings(str(paths.data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)
    assert not reread.contains("sources/kept_both")
