"""Every writer checked by an independent reader: pypdf and pdftotext, python-docx, csv, jsonschema,
the real Anki library; non-Latin text survives into every format; markup in source text stays text."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from harvest_desktop import export
from harvest_desktop.core.errors import BadInput, KnownError
from harvest_desktop.formats import schema as s

ROOT = Path(__file__).resolve().parents[2]
GREEK = "Η φωτοσύνθεση μετατρέπει το φως σε χημική ενέργεια"
CYRILLIC = "Фотосинтез превращает свет в химическую энергию"
ACCENTS = "Ça dépend: naïve façade, Ångström, Łódź"
HOSTILE = "<b>not bold</b> & <font size=40>x</font> *not italic* [link](http://x) # no heading"


def cite(n: int, page: int, quote: str, title: str = "Biology <2e>") -> s.Citation:
    return s.Citation(passage=n, source_id=1, title=title, page=page, section="Cells > Energy", quote=quote)


SOURCES = [s.SourceRef(source_id=1, title="Biology <2e>", author="Ana Núñez", site="OpenStax",
                       date="2024-05-01", url="https://openstax.example/biology", license="CC BY 4.0"),
           s.SourceRef(source_id=2, title="Φυσική", file="/home/ana/fysiki.pdf")]


def quiz(n: int = 12) -> s.Quiz:
    qs = []
    for i in range(n):
        kind = ("mcq", "tf", "cloze", "matching")[i % 4]
        c = cite(100 + i, 3 + i, f"The chloroplast is an organelle {i}. {GREEK}")
        if kind == "mcq":
            qs.append(s.QuizQuestion(id=f"q{i}", type="mcq", prompt=f"Which organelle makes sugar? ({i}) {CYRILLIC}",
                                     options=["Chloroplast", "Mitochondrion", "=1+1", "Ribosome"],
                                     answer="Chloroplast", explanation=f"Stated on page {3 + i}. {ACCENTS}",
                                     citation=c, concept="chloroplast", chapter="Chapter 2"))
        elif kind == "tf":
            qs.append(s.QuizQuestion(id=f"q{i}", type="tf", prompt=f"{HOSTILE} is true?", options=["True", "False"],
                                     answer="False", citation=c, concept="chlorophyll", chapter="Chapter 2"))
        elif kind == "cloze":
            qs.append(s.QuizQuestion(id=f"q{i}", type="cloze", prompt="A _____ is an organelle.",
                                     answer="chloroplast", citation=c, concept="chloroplast", chapter="Chapter 3"))
        else:
            qs.append(s.QuizQuestion(id=f"q{i}", type="matching", prompt="Match each term with its definition.",
                                     pairs=[s.MatchPair("stroma", "the fluid around thylakoids"),
                                            s.MatchPair("thylakoid", "a membrane stack"),
                                            s.MatchPair("@SUM(A1)", "+cmd|' /C calc'!A0")],
                                     citation=c, chapter="Chapter 3"))
    return s.Quiz(title="Cells quiz — Κύτταρα", questions=qs, sources=SOURCES)


def cards(back_suffix: str = "") -> s.Flashcards:
    return s.Flashcards(title="Cells cards", sources=SOURCES, cards=[
        s.Flashcard(id="c1", kind="basic", front="Chloroplast", back="An organelle that makes sugar." + back_suffix,
                    tags=["concept::chloroplast"], citation=cite(1, 4, "A chloroplast is an organelle."),
                    concept="chloroplast", chapter="Chapter 2"),
        s.Flashcard(id="c2", kind="cloze", cloze="The {{c1::Calvin cycle}} fixes \\(CO_2\\) into sugar.",
                    back="Calvin cycle" + back_suffix, citation=cite(2, 5, "The Calvin cycle fixes CO2."),
                    concept="calvin cycle", chapter="Chapter 3"),
        s.Flashcard(id="c3", kind="basic", front=CYRILLIC, back=GREEK + back_suffix, citation=cite(3, 6, ACCENTS),
                    concept="фотосинтез", chapter="Глава 4"),
    ])


def guide() -> s.StudyGuide:
    parts = []
    for ch in range(1, 4):
        parts.append(s.GuidePart(
            heading=f"Chapter {ch}: Energy {ACCENTS}", heading_path=[f"Chapter {ch}"],
            summary=[s.Claim(f"Summary sentence {ch}. {HOSTILE}", [cite(ch, ch * 10, "summary quote")])],
            key_concepts=[s.KeyConcept(term=f"term {ch}", definition=f"Definition {ch}. {CYRILLIC}",
                                       citation=cite(10 + ch, ch * 10 + 1, "def"))],
            review_questions=[s.ReviewQuestion(question=f"What is term {ch}?",
                                               answer=s.Claim(f"Answer {ch}.", [cite(10 + ch, ch * 10 + 1, "def")]))]))
    return s.StudyGuide(title="Study guide: Photosynthesis", overview=[s.Claim(GREEK, [cite(1, 2, "ov")])],
                        parts=parts, sources=SOURCES)


def stored(content, oid: int = 7, fmt: str | None = None):
    return SimpleNamespace(id=oid, title=content.title, format=fmt or content.kind, engine="builtin",
                           created_at="2026-11-28T20:45:30+00:00", route_reason="",
                           content_json=json.dumps(content.to_dict()), markdown="# WRONG: never read")


def write(tmp_path: Path, content, ext: str) -> Path:
    return export.write_output(stored(content), tmp_path / f"{content.kind}{ext}")


def pdf_text(path: Path) -> tuple[str, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [p.extract_text() or "" for p in reader.pages]
    return " ".join(" ".join(pages).split()), pages


def test_registry_offers_only_what_a_format_can_be_written_as():
    assert set(export.extensions_for("quiz")) == {".pdf", ".md", ".html", ".docx", ".csv", ".json", ".apkg"}
    assert set(export.extensions_for("study-guide")) == {".pdf", ".md", ".html", ".docx", ".json"}
    assert "*.apkg" not in export.file_filter("briefing") and "*.apkg" in export.file_filter("flashcards")
    with pytest.raises(BadInput, match="cannot be written as .csv"):
        export.render(stored(guide()), ".csv")


def test_pdf_quiz_has_answer_key_on_its_own_page_bookmarks_links_and_non_latin(tmp_path):
    from pypdf import PdfReader

    path = write(tmp_path, quiz(), ".pdf")
    text, pages = pdf_text(path)
    key_pages = [i for i, p in enumerate(pages) if "Answer key" in p and "Contents" not in p]
    question_pages = [i for i, p in enumerate(pages) if "Which organelle makes sugar? (0)" in p]
    assert key_pages and question_pages and min(key_pages) > max(question_pages)
    assert "Which organelle" not in pages[min(key_pages)]  # the key starts a fresh page
    for needle in (GREEK[:20], CYRILLIC[:20], "Ångström", "Łódź", "<b>not bold</b>", "Ana Núñez", "CC BY 4.0"):
        assert needle in text, needle
    reader = PdfReader(str(path))
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Questions" in titles and "Answer key" in titles and "References" in titles
    links = [a for p in reader.pages for a in (p.get("/Annots") or []) if a.get_object().get("/Subtype") == "/Link"]
    assert len(links) >= len(quiz().questions)  # every question's citation links to the references
    for i, page in enumerate(pages):  # every page carries its number
        assert str(i + 1) in page.split(), (i, page[:80])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by bootstrap.py test")
def test_pdf_reads_back_with_pdftotext_too(tmp_path):
    path = write(tmp_path, guide(), ".pdf")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Chapter 2: Energy" in out and "Contents" in out and CYRILLIC[:15] in out
    assert "Answers to the review questions" in out


def test_docx_headings_are_heading_styles_and_outline_is_right(tmp_path):
    import docx

    path = write(tmp_path, guide(), ".docx")
    d = docx.Document(str(path))
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    level1 = [t for st, t in heads if st == "Heading 1"]
    assert level1[:4] == ["Overview", f"Chapter 1: Energy {ACCENTS}", f"Chapter 2: Energy {ACCENTS}",
                          f"Chapter 3: Energy {ACCENTS}"]
    assert "Answers to the review questions" in level1 and "References" in level1 and "Sources" in level1
    assert ("Heading 2", "Key concepts") in heads
    body = "\n".join(p.text for p in d.paragraphs)
    assert CYRILLIC in body and GREEK in body and HOSTILE.split(" & ")[0] in body
    xml = d.element.xml
    assert 'w:anchor="ref_1"' in xml and 'w:name="ref_1"' in xml and "TOC \\o" in xml


def test_csv_one_row_per_item_bom_and_formula_cells_neutralised(tmp_path):
    q = quiz()
    path = write(tmp_path, q, ".csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(q.questions)
    assert rows[0]["question"].startswith("Which organelle") and rows[0]["answer"] == "Chloroplast"
    assert "'=1+1" in rows[0]["options"] or rows[0]["options"].split(" | ")[2] == "=1+1"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell
    matching = rows[3]
    assert matching["type"] == "matching" and matching["answer"].startswith("stroma = the fluid")
    cards_path = write(tmp_path, cards(), ".csv")
    card_rows = list(csv.DictReader(io.StringIO(cards_path.read_bytes().decode("utf-8-sig"))))
    assert [r["id"] for r in card_rows] == ["c1", "c2", "c3"] and card_rows[2]["front"] == CYRILLIC
    assert card_rows[0]["page"] == "4" and card_rows[0]["source"] == "Biology <2e>"


def test_csv_injection_cell_values():
    from harvest_desktop.export.data_writers import neutralise

    for bad in ("=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("plain") == "plain" and neutralise(3) == "3"


@pytest.mark.parametrize("make", [quiz, cards, guide])
def test_json_validates_against_the_shipped_schema(tmp_path, make):
    import jsonschema

    content = make()
    path = write(tmp_path, content, ".json")
    data = json.loads(path.read_text(encoding="utf-8"))
    schema_file = ROOT / "resources" / "schemas" / f"{content.kind}.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["format"] == content.kind and data["output"]["id"] == 7
    assert s.content_from_dict(data["content"]).to_dict() == content.to_dict()  # round trip
    broken = json.loads(json.dumps(data))
    broken["content"]["title"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_shipped_schemas_match_the_dataclasses():
    from harvest_desktop.export.data_writers import json_schema

    for kind in s.CONTENT_TYPES:
        shipped = json.loads((ROOT / "resources" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert shipped == json_schema(kind), f"regenerate: python -m harvest_desktop.export.data_writers ({kind})"


def test_markdown_and_html_reference_links_resolve_and_markup_is_escaped(tmp_path):
    import re
    from html.parser import HTMLParser

    md = write(tmp_path, guide(), ".md").read_text(encoding="utf-8")
    targets = set(re.findall(r"\]\(#(ref-\d+)\)", md))
    anchors = set(re.findall(r'<a id="(ref-\d+)"></a>', md))
    assert targets and targets <= anchors
    assert "WRONG" not in md and "\\<b\\>not bold\\</b\\>" in md and CYRILLIC in md

    page = write(tmp_path, guide(), ".html").read_text(encoding="utf-8")

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.hrefs, self.tags = set(), set(), []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self.tags.append(tag)
            if "id" in a:
                self.ids.add(a["id"])
            if a.get("href", "").startswith("#"):
                self.hrefs.add(a["href"][1:])

    p = P()
    p.feed(page)
    assert p.hrefs and p.hrefs <= p.ids
    assert "font" not in p.tags and "&lt;b&gt;not bold&lt;/b&gt;" in page and "<style>" in page
    assert GREEK in page


def _anki_import(col_path: Path, apkg: Path):
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(col_path))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg),
                                                         options=ImportAnkiPackageOptions(with_scheduling=False)))
        notes = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            notes[note.guid] = (note.note_type()["name"], list(note.fields), sorted(note.tags))
        return notes
    finally:
        col.close()


def test_apkg_imports_into_real_anki_and_reimport_updates_not_duplicates(tmp_path):
    first = write(tmp_path, cards(), ".apkg")
    col_path = tmp_path / "collection.anki2"
    notes = _anki_import(col_path, first)
    assert len(notes) == 3
    by_type = sorted(v[0] for v in notes.values())
    assert by_type == ["Harvest Basic", "Harvest Basic", "Harvest Cloze"]
    cloze = next(v for v in notes.values() if v[0] == "Harvest Cloze")
    assert "{{c1::Calvin cycle}}" in cloze[1][0] and "\\(CO_2\\)" in cloze[1][0]  # MathJax intact
    assert "p. 5" in cloze[1][2] and "The Calvin cycle fixes CO2." in cloze[1][2]  # passage + page on the back
    assert "chapter::Chapter_3" in cloze[2] and "concept::calvin_cycle" in cloze[2]
    time.sleep(1.1)  # Anki updates a note when the incoming copy is newer (seconds resolution)
    second = export.write_output(stored(cards(" (revised)")), tmp_path / "again.apkg")
    notes2 = _anki_import(col_path, second)
    assert len(notes2) == 3 and set(notes2) == set(notes)
    assert all("(revised)" in v[1][1] for v in notes2.values())


def test_apkg_from_quiz_and_refused_for_a_guide(tmp_path):
    path = write(tmp_path, quiz(8), ".apkg")
    notes = _anki_import(tmp_path / "c.anki2", path)
    assert len(notes) == 8
    with pytest.raises(BadInput):
        write(tmp_path, guide(), ".apkg")


def test_legacy_content_and_unreadable_content(tmp_path):
    legacy = {"title": "Old guide", "overview": [{"text": "Plants make sugar.",
                                                  "citation": {"chunk_id": 3, "source": "Bio", "page": 2}}],
              "concepts": [], "sections": [], "sources": [{"id": 1, "name": "Bio"}]}
    out = SimpleNamespace(id=1, title="Old guide", format="study-guide", engine="builtin", created_at="",
                          route_reason="", content_json=json.dumps(legacy), markdown="")
    md = export.write_output(out, tmp_path / "old.md").read_text(encoding="utf-8")
    assert "Plants make sugar." in md and "Bio, p. 2" in md
    broken = SimpleNamespace(**{**out.__dict__, "content_json": "{not json"})
    with pytest.raises(KnownError, match="generate it again"):
        export.write_output(broken, tmp_path / "broken.md")
    assert not (tmp_path / "broken.md").exists()


def test_batch_export_writes_each_allowed_type_and_an_index(tmp_path):
    from harvest_desktop.export.batch import export_all

    outs = [stored(guide(), 1), stored(quiz(4), 2), stored(cards(), 3)]
    folder = tmp_path / "all"
    folder.mkdir()
    res = export_all(outs, folder, types=[".md", ".csv", "apkg"])
    names = sorted(p.name for p in res.written)
    assert len(names) == 7  # guide: md; quiz: md csv apkg; cards: md csv apkg
    assert any(n.startswith("001-study-guide") and n.endswith(".md") for n in names)
    assert len(res.skipped) == 2 and not res.failed
    index = res.index.read_text(encoding="utf-8")
    for n in names:
        assert f'href="{n}"' in index
    again = export_all(outs, folder, types=[".md"])
    assert not again.written and len(again.failed) == 3  # never overwrites without asking


@pytest.mark.parametrize("ext", [".pdf", ".docx", ".html", ".md", ".json"])
def test_every_kind_is_written_by_every_document_writer(tmp_path, ext):
    contents = [
        s.Briefing(title="Brief", points=[s.Claim("Point one.", [cite(1, 2, "p1")])], sources=SOURCES),
        s.FAQ(title="FAQ", items=[s.FaqItem("Why?", [s.Claim("Because.", [cite(2, 3, "b")])])], sources=SOURCES),
        s.Answer(question="What is ATP?", claims=[], found=False, title="Answer"),
        s.BlogPost(title="Post", hook=s.Claim("Hook."), sections=[s.BlogSection("Part", [s.Claim("Body.")])],
                   conclusion=s.Claim("End.")),
        s.VideoScript(title="Script", target_runtime_s=90, scenes=[s.Scene(30, "Narration.", "On screen", "b-roll")]),
        s.ConceptMap(title="Map", nodes=[s.ConceptNode("a", 1, "Ch 1")],
                     edges=[s.ConceptEdge("a", "b", "part of", "A is part of B.")]),
    ]
    for c in contents:
        path = export.write_output(stored(c), tmp_path / f"{c.kind}{ext}")
        assert path.stat().st_size > 0
        if ext == ".pdf":
            text, _ = pdf_text(path)
            assert c.title in text


def test_window_preview_html_leaves_colours_to_the_theme():
    from harvest_desktop.export import output_content, output_meta
    from harvest_desktop.export.docmodel import build_document
    from harvest_desktop.export.text_writers import render_html

    out = stored(quiz(4))
    doc = build_document(output_content(out), output_meta(out))
    page = render_html(doc)
    screen = render_html(doc, cite_href=lambda n: f"cite:{n}", show_answers=False, answers_href="show:answers",
                         screen_colors=True)
    assert "background:#fff" in page and "background:#fff" not in screen and "#1d1d1f" not in screen
    assert 'href="cite:1"' in screen and 'href="show:answers"' in screen and "Answer key" in screen
