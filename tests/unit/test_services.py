"""The services without Qt: each write returns what it changed and announces it on the bus."""

from __future__ import annotations

import json

import pytest

from harvest_desktop.core.errors import BadInput, KnownError
from harvest_desktop.services.changes import ChangeBus, Changes
from harvest_desktop.store import models as m
from tests.fixtures_acquire import fast_index
from tests.samples import PHOTOSYNTHESIS_MD, write_markdown, write_pdf

VOLCANO_MD = """\
# Volcanoes

A volcano is an opening in the crust through which molten rock, ash and gases escape.
Magma is molten rock stored beneath the surface. When magma reaches the surface it is called lava.

## Eruptions

An eruption is the release of lava, ash or gas from a volcano. Basalt forms when lava cools quickly.
"""


@pytest.fixture
def lib(library, monkeypatch):
    from harvest_desktop.index import embedder

    monkeypatch.setattr(embedder, "embed_texts", fast_index.fake_embed_texts)
    return library


@pytest.fixture
def heard(lib):
    got: list[Changes] = []
    lib.bus.subscribe(got.append)
    return got


# -- Changes and the bus ---------------------------------------------------------------------------
def test_changes_merge_and_truth():
    assert not Changes()
    a = Changes(sources_added={1}, concepts=True)
    b = Changes(sources_changed={2}, sources_removed={1}, outputs_added=[7])
    merged = a.merge(b)
    assert merged.sources_removed == {1} and merged.sources_added == set()  # added then removed: gone
    assert merged.sources_changed == {2} and merged.outputs_added == {7} and merged.concepts
    assert (a | b) == merged and a.sources_added == {1}  # operands untouched
    assert merged.sources and merged.outputs and not Changes(keys=True).sources
    assert Changes(usage=True) and Changes(outputs_removed={3})


def test_bus_subscribe_unsubscribe_and_a_broken_subscriber():
    bus = ChangeBus()
    got: list[Changes] = []

    def broken(_c):
        raise RuntimeError("a view's bug")

    bus.subscribe(broken)
    undo = bus.subscribe(got.append)
    change = Changes(sources_added={1})
    assert bus.publish(change) is change
    assert got == [change]  # the broken one did not stop the others
    bus.publish(Changes())  # nothing changed: nobody is told
    assert got == [change]
    undo()
    bus.unsubscribe(broken)
    bus.publish(Changes(keys=True))
    assert got == [change] and len(bus) == 0


# -- sources ---------------------------------------------------------------------------------------
def test_enqueue_harvest_remove_each_return_and_publish_their_changes(lib, heard, tmp_path):
    a = write_markdown(tmp_path / "photo.md")
    b = write_markdown(tmp_path / "volcano.md", VOLCANO_MD)
    queued = lib.sources.enqueue([a, b])
    ids = {s.id for s in queued.queued}
    assert queued.changes.sources_added == ids and heard == [queued.changes]
    results = lib.sources.harvest_sync()
    assert all(r.ok for r in results)
    assert results.changes.sources_changed == ids
    # every status step was announced as it was stored, each naming its source
    announced = Changes.merge_all(heard[1:])
    assert announced.sources_changed == ids and announced.concepts
    assert {s.status for s in lib.sources.all()} == {m.READY}

    again = lib.sources.enqueue([a])  # unchanged file: nothing to do, nothing announced
    assert not again.changes and again.problems[0].message == "already in the library, unchanged"
    (tmp_path / "photo.md").write_text(PHOTOSYNTHESIS_MD + "\nOne more line about leaves.\n")
    requeued = lib.sources.enqueue([a])
    assert requeued.changes.sources_changed == {requeued.queued[0].id} and not requeued.changes.sources_added

    victim = lib.sources.find("volcano.md")
    heard.clear()
    gone = lib.sources.remove(victim.id)
    assert gone.sources_removed == {victim.id} and gone.concepts and heard == [gone]
    assert lib.sources.get(victim.id) is None and lib.sources.find("volcano.md") is None


def test_resolve_names_ids_and_urls_and_refuses_unknown(lib, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md"), write_markdown(tmp_path / "v.md", VOLCANO_MD)])
    lib.sources.harvest_sync()
    photo, volcano = lib.sources.find("photo.md"), lib.sources.find("v.md")
    assert lib.sources.resolve([f"#{volcano.id}", "photo.md", str(tmp_path / "v.md")]) == [volcano.id, photo.id]
    with pytest.raises(KnownError, match="no source matches 'nothing.md'"):
        lib.sources.resolve(["nothing.md"])


def _similar_pair(lib, tmp_path):
    """Two harvested sources, the second flagged as similar to the first (as the index flags it)."""
    from harvest_desktop.store.repositories import SourceRepository

    lib.sources.enqueue([write_markdown(tmp_path / "old.md"), write_markdown(tmp_path / "new.md", VOLCANO_MD)])
    lib.sources.harvest_sync()
    old, new = lib.sources.find("old.md"), lib.sources.find("new.md")
    SourceRepository(lib.db).mark_ready(new.id, old.id, 0.93, "2026-01-01T00:00:00+00:00")
    return old, new


def test_keep_both_is_stored_in_the_database_and_listed(lib, heard, tmp_path, capsys):
    old, new = _similar_pair(lib, tmp_path)
    heard.clear()
    changes = lib.sources.decide_similar(new.id, "keep-both")
    assert changes.sources_changed == {old.id, new.id} and heard == [changes]
    assert {s.similar_decision for s in lib.sources.all()} == {"keep-both"}
    lib.close()
    # Another process (the CLI) sees the decision.
    from harvest_desktop import cli

    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith(f"{new.id}\t"))
    assert "93% similar; kept both" in line


def test_skip_and_keep_newer_remove_the_right_source(lib, tmp_path):
    old, new = _similar_pair(lib, tmp_path)
    changes = lib.sources.decide_similar(new.id, "keep-newer")
    assert changes.sources_removed == {old.id}
    remaining = lib.sources.get(new.id)
    assert remaining is not None and remaining.similar_to is None  # the pair is gone with the older one
    assert lib.sources.decide_similar(new.id, "skip").sources_removed == {new.id}
    assert lib.sources.all() == []
    with pytest.raises(BadInput):
        lib.sources.decide_similar(new.id, "keep-both")


def test_a_new_similar_partner_clears_an_old_decision(lib, tmp_path):
    from harvest_desktop.store.repositories import SourceRepository

    old, new = _similar_pair(lib, tmp_path)
    lib.sources.decide_similar(new.id, "keep-both")
    SourceRepository(lib.db).mark_ready(new.id, None, None, "2026-01-02T00:00:00+00:00")
    assert lib.sources.get(new.id).similar_decision is None


# -- generation, export, search, concepts ------------------------------------------------------------
def test_generation_uses_only_the_chosen_sources(lib, heard, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md"), write_pdf(tmp_path / "volcanoes.pdf")])
    lib.sources.harvest_sync()
    photo = lib.sources.find("photo.md")
    heard.clear()
    made = lib.generation.generate("study-guide", source_ids=[photo.id])
    assert made.changes.outputs_added == {made.output.id} and heard == [made.changes]
    assert json.loads(made.output.source_ids) == [photo.id]
    text = made.output.markdown + made.output.content_json
    assert "Photosynthesis" in text and "volcano" not in text.lower()
    everything = lib.generation.generate("study-guide").output
    assert len(json.loads(everything.source_ids)) == 2
    assert [o.id for o in lib.generation.outputs()] == [everything.id, made.output.id]


def test_generation_refuses_sources_without_text(lib, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md")])  # queued, never harvested
    queued = lib.sources.find("photo.md")
    with pytest.raises(KnownError, match="none of the chosen sources"):
        lib.generation.generate("study-guide", source_ids=[queued.id])
    with pytest.raises(KnownError, match="no harvested text"):
        lib.generation.generate("study-guide")


def test_export_writes_the_stored_output_and_names_a_missing_one(lib, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md")])
    lib.sources.harvest_sync()
    out = lib.generation.generate("study-guide").output
    path = lib.exports.write(out.id, tmp_path / "guide.md")
    assert "Calvin cycle" in path.read_text(encoding="utf-8")
    with pytest.raises(BadInput, match="#999"):
        lib.exports.write(999, tmp_path / "none.md")


def test_search_finds_the_passage_and_empty_queries_find_nothing(lib, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md"), write_markdown(tmp_path / "v.md", VOLCANO_MD)])
    lib.sources.harvest_sync()
    hits = lib.search.passages("RuBisCO", limit=3)
    assert hits and "RuBisCO" in hits[0].text and hits[0].source_name == "photo.md"
    assert lib.search.passages("   ") == []


def test_concepts_one_pipeline_with_a_layout_for_every_concept(lib, tmp_path):
    lib.sources.enqueue([write_markdown(tmp_path / "photo.md"), write_markdown(tmp_path / "v.md", VOLCANO_MD)])
    lib.sources.harvest_sync()
    analysis = lib.concepts.analyse(limit=8)
    terms = [c.term.lower() for c in analysis.concepts]
    assert 0 < len(terms) <= 8 and any("photosynthesis" in t or "chloroplast" in t for t in terms)
    assert {n.term for n in analysis.graph.nodes} == {c.term for c in analysis.concepts}
    volcano = lib.sources.find("v.md")
    only_volcano = lib.concepts.analyse(limit=8, source_ids=[volcano.id])
    assert not any("photosynthesis" in c.term.lower() for c in only_volcano.concepts)
    svg = lib.concepts.write_map(analysis, tmp_path / "map.svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg") or "<svg" in svg.read_text()
    with pytest.raises(BadInput):
        lib.concepts.write_map(analysis, tmp_path / "map.gif")
    assert lib.concepts.analyse(source_ids=[]).note  # no passages: said, not raised
