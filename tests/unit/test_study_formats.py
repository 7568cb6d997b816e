"""The built-in study formats on a textbook written for the tests (glossary, key-terms lists,
captions, a quotation, references), read by the real Markdown, PDF, EPUB and DOCX readers."""

from __future__ import annotations

import re

import pytest

from harvest_desktop.acquire.files import read_file
from harvest_desktop.core.errors import KnownError
from harvest_desktop.formats import registry
from harvest_desktop.formats.answer import answer_question
from harvest_desktop.formats.grounding import Validator, validate
from harvest_desktop.formats.schema import Citation, Claim, Quiz, QuizQuestion, content_from_dict
from harvest_desktop.index.chunking import chunk_document
from harvest_desktop.understand.analysis import analyze_document
from harvest_desktop.understand.passages import Passage
from tests import study_texts as T

WRITERS = {"md": T.write_markdown, "pdf": T.write_pdf, "epub": T.write_epub, "docx": T.write_docx}
NOT_PROSE = [h.casefold() for h in T.HEADINGS + T.CAPTIONS + T.REFERENCES]


class Book(list):
    """The passages of a book as the library stores them, with its analysis (made at harvest)."""

    analyses: dict


def _passages(path, source_id=1):
    doc = read_file(path)
    book = Book(Passage(source_id * 1000 + c.ord, source_id, T.TITLE, c.page, " > ".join(c.heading_path), c.text)
                for c in chunk_document(doc))
    book.analyses = {source_id: analyze_document(doc)}
    return book


@pytest.fixture(scope="module", params=list(WRITERS))
def book(request, tmp_path_factory):
    path = WRITERS[request.param](tmp_path_factory.mktemp(request.param) / f"ecology.{request.param}")
    return request.param, _passages(path)


@pytest.fixture(scope="module")
def md_book(tmp_path_factory):
    return _passages(T.write_markdown(tmp_path_factory.mktemp("md") / "ecology.md"))


def _make(fmt, passages, **options):
    options.setdefault("analyses", getattr(passages, "analyses", None))
    return content_from_dict(registry.run(registry.get_format(fmt), "builtin", passages, **options).content)


def _norm(text):
    return " ".join(text.replace("*", "").split()).casefold()


def _is_not_prose(quote):
    q = _norm(quote)
    return any(q == x or q.startswith(x) for x in NOT_PROSE if len(x) > 12) or q.startswith(("figure", "table"))


def _resolves(cit: Citation, passages):
    by_id = {p.chunk_id: p for p in passages}
    assert cit is not None and cit.passage in by_id, cit
    assert _norm(cit.quote) in _norm(by_id[cit.passage].text)
    assert not _is_not_prose(cit.quote), cit.quote
    return by_id[cit.passage]


def test_glossary_terms_are_the_key_concepts_with_their_definitions(book):
    kind, passages = book
    guide = _make("study-guide", passages)
    concepts = guide.key_concepts()
    glossary = {t for t, _ in T.GLOSSARY}
    share = sum(c.term.casefold() in glossary for c in concepts) / len(concepts)
    assert share >= 0.7, (kind, [c.term for c in concepts])
    for c in concepts:
        if c.definition:
            p = _resolves(c.citation, passages)
            assert _norm(c.definition) in _norm(p.text)
            assert "muir" not in c.definition.casefold()  # a quotation is never a definition
    parts = [p.heading for p in guide.parts]
    if kind == "pdf" and not any(p.heading_path for p in passages):
        return  # this PDF reader gives no headings yet: the guide cannot follow chapters it cannot see
    assert [h for h in parts if h.startswith("Chapter")] == [c for c, _, _ in T.CHAPTERS], (kind, parts)
    for part in guide.parts:
        for claim in part.summary:
            _resolves(claim.citations[0], passages)


def test_quiz_items_are_grounded_prose_with_distractors_of_the_answers_kind(book):
    kind, passages = book
    quiz = _make("quiz", passages, count=30)
    assert len(quiz.questions) >= 20, kind
    assert {q.type for q in quiz.questions} == {"mcq", "tf", "cloze", "matching"}
    assert quiz.grounding.dropped + quiz.grounding.flagged <= 0.02 * quiz.grounding.checked + 1
    glossary = {t for t, _ in T.GLOSSARY}
    for q in quiz.questions:
        p = _resolves(q.citation, passages)
        assert q.explanation and q.status == "grounded"
        if q.type in ("mcq", "tf"):
            assert q.answer in q.options
        if q.type in ("mcq", "cloze"):
            assert q.answer.casefold()[:5] in p.text.casefold()
            assert q.answer.casefold() not in q.prompt.casefold()
        if q.type == "mcq":
            assert len(q.options) >= 3
            answer_words = set(q.answer.casefold().split())
            for opt in q.options:
                if opt != q.answer:
                    assert not answer_words & set(opt.casefold().split()), (q.answer, opt)
                    if q.answer.casefold() in glossary:
                        assert opt.casefold() in glossary or opt.casefold().rstrip("s") in glossary, (q.answer, opt)
        if q.type == "matching":
            for pair in q.pairs:
                assert pair.left.casefold()[:5] in _resolves(pair.citation, passages).text.casefold()


def test_flashcards_are_deduplicated_tagged_and_grounded(book):
    kind, passages = book
    deck = _make("flashcards", passages, count=40)
    assert len(deck.cards) >= 25, kind
    assert {c.kind for c in deck.cards} == {"basic", "cloze"}
    assert len({c.id for c in deck.cards}) == len(deck.cards)
    assert len({(c.front, c.back) for c in deck.cards}) == len(deck.cards)
    for c in deck.cards:
        _resolves(c.citation, passages)
        assert any(t.startswith("concept::") for t in c.tags)
        assert any(t.startswith("chapter::") for t in c.tags) or not any(p.heading_path for p in passages)
        if c.kind == "cloze":
            hidden = re.findall(r"\{\{c1::(.+?)\}\}", c.cloze)
            assert hidden and all(h.casefold() in c.back.casefold() for h in hidden)


def test_without_a_stored_analysis_the_passages_are_analysed(md_book):
    plain = list(md_book)  # no analysis: the formats rebuild one from the passages
    guide = _make("study-guide", plain)
    assert sum(c.term in {t for t, _ in T.GLOSSARY} for c in guide.key_concepts()) >= 10
    assert guide.grounding.dropped == 0


def test_chapter_filter_by_number_and_title(md_book):
    quiz = _make("quiz", md_book, count=10, chapters=["2"])
    assert quiz.questions and {q.chapter for q in quiz.questions} == {"Chapter 2 Populations"}
    guide = _make("study-guide", md_book, chapters=["interactions"])
    assert guide.parts and {p.heading_path[0] for p in guide.parts} == {"Chapter 3 Interactions and Cycles"}
    assert all(c.chapter == "Chapter 3 Interactions and Cycles" for c in guide.key_concepts())
    with pytest.raises(KnownError) as info:
        _make("quiz", md_book, chapters=["Thermodynamics"])
    assert "Chapter 1 Ecosystems" in str(info.value)


def test_quiz_types_and_count_are_honoured(md_book):
    quiz = _make("quiz", md_book, count=8, types="mcq,cloze")
    assert len(quiz.questions) == 8 and {q.type for q in quiz.questions} == {"mcq", "cloze"}
    with pytest.raises(KnownError):
        _make("quiz", md_book, types="essay")


def test_briefing_and_faq_are_cited_prose(md_book):
    brief = _make("briefing", md_book, count=5)
    faq = _make("faq", md_book, count=6)
    assert len(brief.points) == 5 and len(faq.items) == 6
    for claim in brief.points + [c for item in faq.items for c in item.answer]:
        _resolves(claim.citations[0], md_book)
        assert claim.status == "grounded"
    assert all(item.question.endswith("?") for item in faq.items)


def test_cited_answer_or_the_sources_do_not_say(md_book):
    a = answer_question("What is carrying capacity?", md_book, analyses=md_book.analyses)
    assert a.found and "largest population" in a.claims[0].text
    _resolves(a.claims[0].citations[0], md_book)
    none = answer_question("What is the boiling point of mercury in a thermometer?", md_book,
                           analyses=md_book.analyses)
    assert not none.found and not none.claims
    nothing = answer_question("Who won the football world cup in 1966?", md_book)  # analysis made on the spot
    assert not nothing.found


def test_validator_drops_what_its_passage_does_not_support(md_book):
    p = md_book[1]
    good = QuizQuestion("a", "cloze", "Fill in: _____", answer=p.text.split()[1],
                        citation=Citation(p.chunk_id, p.source_id, quote=p.text.split(".")[0]), explanation="x")
    made_up = QuizQuestion("b", "mcq", "Which?", ["x", "y"], "z", citation=Citation(p.chunk_id, quote=""))
    stray = QuizQuestion("c", "cloze", "?", answer="ecosystem", citation=Citation(99999, quote="An ecosystem"))
    quiz = Quiz("t", [good, made_up, stray])
    report = validate(quiz, md_book)
    assert [q.id for q in quiz.questions] == ["a"] and report.dropped == 2 and len(report.problems) == 2
    v = Validator(md_book)
    assert not v.claim("Volcanoes erupt lava on Mars every Tuesday.", [Citation(p.chunk_id)]).ok
    regen = Quiz("t", [made_up])
    report = validate(regen, md_book, regenerate=lambda item, why: QuizQuestion("b2", "mcq", "Which?", ["x", "y"], "x",
                                                                                   citation=Citation(p.chunk_id)))
    assert report.flagged == 1 and regen.questions[0].status == "flagged"  # kept only with its flag
    assert Claim("x").status == ""


def test_a_rewritten_blog_hook_replaces_the_one_it_rewrites():
    """A hook or conclusion rewritten by the regenerate callback is the one kept, with its verdict."""
    from harvest_desktop.formats.schema import BlogPost, BlogSection

    p = Passage(7, 1, "bees.md", None, "Bees", "Honey bees communicate the location of food with the waggle dance.")
    cit = Citation(passage=7, source_id=1, title="bees.md", quote=p.text)
    good = Claim("Honey bees show where food is with the waggle dance.", [cit])
    post = BlogPost(title="Bees", hook=Claim("Volcanoes erupt molten rock from deep below.", [cit]),
                    sections=[BlogSection("Dance", [good])],
                    conclusion=Claim("Submarines dive under polar ice sheets.", [cit]))
    rewritten = Claim("Honey bees communicate where food is with a waggle dance.", [cit])
    report = validate(post, {7: p}, threshold=0.35,
                      regenerate=lambda item, problem: rewritten if item is post.hook else None)
    assert post.hook is rewritten and post.hook.status == "grounded"
    assert post.conclusion.text == "" and report.dropped == 1
    assert report.checked == 3 and report.passed == 2
