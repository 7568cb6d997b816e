"""A large synthetic textbook for the study-material benchmarks: chapters of sections of prose that
define and use their own terms, figure captions, quotations, key-terms lists, an end glossary and
reference lists. Seeded, so every run reads the same ~1,000 pages."""

from __future__ import annotations

import random

from harvest_desktop.core.document import Block, Document, with_heading_paths

ADJ = ("adaptive cellular thermal kinetic marginal social cognitive linear latent fiscal coastal neural "
       "chemical elastic civic spectral tidal urban genetic lunar moral ionic organic seismic vascular "
       "monetary civil optical muscular nuclear digital rural sacred polar dynamic static").split()
NOUN = ("equilibrium gradient threshold membrane tariff mandate enzyme lattice reservoir sediment cortex "
        "quorum ledger isotope vector spindle plateau synapse treaty catalyst buffer dividend aquifer "
        "precedent spectrum filament nucleus momentum covenant tissue index basin regime signal").split()
GENERIC = ("world life work people others view time way part place system process result change example "
           "idea fact group area level form case point question problem reason value").split()
VERBS = ("regulates limits raises lowers shapes supports stabilises disrupts controls transforms drives "
         "constrains").split()


def _terms(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out = []
    while len(out) < n:
        t = f"{rng.choice(ADJ)} {rng.choice(NOUN)}"
        if t not in taken:
            taken.add(t)
            out.append(t)
    return out


def _definition(rng: random.Random, term: str, other: str) -> tuple[str, str]:
    """(sentence in the text, glossary definition)."""
    gloss = f"a {rng.choice(['process', 'structure', 'quantity', 'principle', 'pattern'])} that " \
            f"{rng.choice(VERBS)} the {other} in {rng.choice(['most', 'many', 'all', 'some'])} settings"
    article = "An" if term[0] in "aeiou" else "A"
    patterns = [
        f"{article} {term} is {gloss}.",
        f"The {rng.choice(['pattern', 'structure', 'process'])} that {rng.choice(VERBS)} the {other} is called "
        f"the {term}.",
        f"{term[0].upper() + term[1:]} refers to {gloss}.",
    ]
    return rng.choice(patterns), gloss


def _filler(rng: random.Random, terms: list[str]) -> str:
    a, b = rng.sample(terms, 2)
    g1, g2 = rng.sample(GENERIC, 2)
    forms = [
        f"In practice the {a} {rng.choice(VERBS)} the {b}, which changes the {g1} of the {g2}.",
        f"Researchers often compare the {a} with the {b} when they study the {g1} in this {g2}.",
        f"Because the {a} {rng.choice(VERBS)} the {b}, the {g1} shifts over time across every {g2}.",
        f"The {g1} of the {g2} depends on how strongly the {a} {rng.choice(VERBS)} the {b}.",
        f"Many students first meet the {a} in the {g1}, long before they see the {b} at work.",
        f"The {a} is part of the {b}, and both matter for the {g1} of the {g2}.",
        f"The {a} causes the {b} to grow whenever the {g1} rises faster than the {g2}.",
    ]
    return rng.choice(forms)


def make_textbook(pages: int = 1000, chapters: int = 40, words_per_page: int = 430, seed: int = 7,
                  glossary: bool = True) -> tuple[Document, list[tuple[str, str]]]:
    """The book and its glossary [(term, definition)]."""
    rng = random.Random(seed)
    taken: set[str] = set()
    blocks: list[Block] = [Block("A Synthetic Textbook of Everything", "heading", 1, 1)]
    glossary_entries: list[tuple[str, str]] = []
    pages_per_chapter = pages // chapters
    page = 2
    for ch in range(1, chapters + 1):
        terms = _terms(rng, 18, taken)
        blocks.append(Block(f"Chapter {ch} {terms[0].title()} and {terms[1].title()}", "heading", 1, page))
        sections = 5
        pages_per_section = max(1, pages_per_chapter // sections)
        for sec in range(1, sections + 1):
            blocks.append(Block(f"{ch}.{sec} {terms[(sec * 3) % len(terms)].title()}", "heading", 2, page))
            sec_terms = terms[(sec - 1) * 3:(sec - 1) * 3 + 4] or terms[:4]
            for pg in range(pages_per_section):
                words = 0
                while words < words_per_page:
                    sentences = []
                    if pg == 0 and words == 0:
                        for t in sec_terms[:3]:
                            s, gloss = _definition(rng, t, rng.choice([x for x in terms if x != t]))
                            sentences.append(s)
                            if t not in dict(glossary_entries):
                                glossary_entries.append((t, gloss))
                    sentences += [_filler(rng, terms) for _ in range(rng.randint(3, 6))]
                    if rng.random() < 0.05:
                        sentences.append(f"\u201cThe {rng.choice(GENERIC)} is a {rng.choice(GENERIC)} of its own,"
                                         f"\u201d wrote one {rng.choice(ADJ)} critic.")
                    text = " ".join(sentences)
                    blocks.append(Block(text, "paragraph", 0, page))
                    words += len(text.split())
                    if rng.random() < 0.15:
                        blocks.append(Block(f"Figure {ch}.{sec + pg} The {rng.choice(terms)} shown beside the "
                                            f"{rng.choice(terms)}.", "caption", 0, page))
                page += 1
        blocks.append(Block("Key terms", "heading", 2, page))
        for t in terms[:15]:
            blocks.append(Block(t, "list_item", 1, page))
        blocks.append(Block("References", "heading", 2, page))
        for k in range(4):
            blocks.append(Block(f"Author{k}, A. ({1950 + k + ch}). On the {rng.choice(terms)}. Journal of "
                                f"{rng.choice(ADJ).title()} Studies, {k + 2}, pp. {k * 10}-{k * 10 + 9}.",
                                "paragraph", 0, page))
        page += 1
    if glossary:
        blocks.append(Block("Glossary", "heading", 1, page))
        for t, d in sorted(glossary_entries):
            blocks.append(Block(f"{t}: {d}", "paragraph", 0, page))
            if len(blocks) % 40 == 0:
                page += 1
    doc = Document("A Synthetic Textbook of Everything", with_heading_paths(blocks))
    doc.pages = page
    return doc, glossary_entries
