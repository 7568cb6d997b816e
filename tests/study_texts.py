"""A small textbook written for the study-material tests: chapters, sections, definitions in the
running text, figure captions, a quotation, key-terms lists, a glossary and a reference list,
written out as Markdown, PDF (reportlab), EPUB and DOCX so each reader's structure is exercised."""

from __future__ import annotations

import zipfile
from pathlib import Path

TITLE = "Foundations of Ecology"

# (chapter, [(section, [paragraph, ...]), ...], [caption, ...])
CHAPTERS: list[tuple[str, list[tuple[str, list[str]]], list[str]]] = [
    ("Chapter 1 Ecosystems", [
        ("1.1 What an ecosystem is", [
            "An ecosystem is a community of living organisms together with the nonliving parts of their "
            "environment, interacting as a system. The living parts of an ecosystem are called biotic factors. "
            "Abiotic factors are the nonliving chemical and physical parts of the environment, such as sunlight, "
            "temperature, water and soil.",
            "Every ecosystem has a boundary, but the boundary is often drawn by the person who studies it. A "
            "pond, a forest and a coral reef are all ecosystems of very different sizes. Energy flows through "
            "an ecosystem, while nutrients cycle within it.",
        ]),
        ("1.2 Producers and consumers", [
            "A producer is an organism that makes its own food from light or chemical energy. Plants, algae "
            "and some bacteria are producers. A consumer is an organism that obtains energy by eating other "
            "organisms. Herbivores are consumers that eat only plants, while carnivores eat other animals.",
            "A decomposer is an organism that breaks down dead organic matter and returns nutrients to the soil. "
            "Fungi and many bacteria are decomposers. Without decomposers, dead material would pile up and "
            "nutrients would remain locked away from producers.",
            "\u201cIn every walk with nature one receives far more than he seeks,\u201d wrote John Muir about "
            "the forests he loved.",
        ]),
        ("1.3 Food chains and food webs", [
            "A food chain is a sequence of organisms in which each one eats the one below it. The position an "
            "organism occupies in a food chain is called its trophic level. Producers occupy the first trophic "
            "level, and herbivores occupy the second.",
            "A food web is a network of interconnected food chains in an ecosystem. Food webs are more stable "
            "than single food chains because most consumers can switch to other prey. Only about ten percent of "
            "the energy at one trophic level passes to the next, so long food chains are rare.",
        ]),
    ], ["Figure 1.1 A pond ecosystem showing producers, consumers and decomposers.",
        "Figure 1.2 A simple food chain from grass to hawk."]),
    ("Chapter 2 Populations", [
        ("2.1 Population growth", [
            "A population is a group of individuals of the same species living in the same area at the same "
            "time. Population density refers to the number of individuals per unit of area. Births and "
            "immigration increase a population, while deaths and emigration decrease it.",
            "Exponential growth is growth in which a population increases by a fixed proportion in each period. "
            "Exponential growth occurs when resources are unlimited, for example when a species first arrives "
            "on an empty island.",
        ]),
        ("2.2 Limits to growth", [
            "Carrying capacity is the largest population that an environment can support over a long period. "
            "When a population approaches its carrying capacity, its growth slows. Logistic growth is growth "
            "that slows as the population approaches the carrying capacity of its environment.",
            "A limiting factor is any resource or condition that restricts the size of a population. Food, "
            "water, space and disease can each act as a limiting factor. Competition for scarce resources leads "
            "to slower growth and can cause some individuals to leave the area.",
        ]),
    ], ["Figure 2.1 Exponential and logistic growth curves compared.",
        "Table 2.1 Population sizes of deer on the island between 1950 and 1990."]),
    ("Chapter 3 Interactions and Cycles", [
        ("3.1 Species interactions", [
            "Competition is an interaction in which two organisms or species need the same limited resource. "
            "Predation is an interaction in which one organism, the predator, kills and eats another, the prey. "
            "Unlike predation, parasitism usually harms the host without killing it quickly.",
            "Symbiosis is a close and long-term relationship between two different species. Mutualism is a kind "
            "of symbiosis in which both species benefit. Bees and flowering plants are a classic example of "
            "mutualism, because the bees gain nectar while the plants are pollinated.",
        ]),
        ("3.2 Nutrient cycles", [
            "The carbon cycle is the movement of carbon between the atmosphere, living organisms, the oceans and "
            "rocks. Photosynthesis removes carbon dioxide from the atmosphere, while respiration returns it. "
            "Burning fossil fuels releases stored carbon and increases the amount of carbon dioxide in the air.",
            "Nitrogen fixation is the conversion of nitrogen gas from the air into compounds that plants can use. "
            "Nitrogen fixation is carried out mainly by bacteria that live in the soil or in the roots of "
            "legumes. The nitrogen cycle depends on decomposers, which return nitrogen from dead matter to the "
            "soil.",
        ]),
    ], ["Figure 3.1 The carbon cycle, with arrows showing the flow of carbon."]),
]

KEY_TERMS = {  # chapter -> the chapter's key-terms list
    "Chapter 1 Ecosystems": ["ecosystem", "biotic factors", "abiotic factors", "producer", "consumer",
                             "decomposer", "food chain", "trophic level", "food web"],
    "Chapter 2 Populations": ["population", "population density", "exponential growth", "carrying capacity",
                              "logistic growth", "limiting factor"],
    "Chapter 3 Interactions and Cycles": ["competition", "predation", "parasitism", "symbiosis", "mutualism",
                                          "carbon cycle", "nitrogen fixation"],
}

GLOSSARY = [
    ("abiotic factors", "the nonliving chemical and physical parts of an environment"),
    ("biotic factors", "the living parts of an ecosystem"),
    ("carbon cycle", "the movement of carbon between the atmosphere, organisms, oceans and rocks"),
    ("carrying capacity", "the largest population an environment can support over a long period"),
    ("competition", "an interaction in which organisms need the same limited resource"),
    ("consumer", "an organism that obtains energy by eating other organisms"),
    ("decomposer", "an organism that breaks down dead organic matter and returns nutrients to the soil"),
    ("ecosystem", "a community of organisms together with the nonliving parts of their environment"),
    ("exponential growth", "growth by a fixed proportion in each period"),
    ("food chain", "a sequence of organisms in which each one eats the one below it"),
    ("food web", "a network of interconnected food chains"),
    ("limiting factor", "a resource or condition that restricts the size of a population"),
    ("logistic growth", "growth that slows as a population approaches carrying capacity"),
    ("mutualism", "a kind of symbiosis in which both species benefit"),
    ("nitrogen fixation", "the conversion of nitrogen gas into compounds that plants can use"),
    ("parasitism", "a relationship in which one organism lives on or in a host and harms it"),
    ("population", "a group of individuals of the same species in the same area at the same time"),
    ("population density", "the number of individuals per unit of area"),
    ("predation", "an interaction in which a predator kills and eats its prey"),
    ("producer", "an organism that makes its own food from light or chemical energy"),
    ("symbiosis", "a close, long-term relationship between two different species"),
    ("trophic level", "the position an organism occupies in a food chain"),
]

REFERENCES = [
    "Odum, E. P. (1953). Fundamentals of Ecology. Philadelphia: Saunders, pp. 1-384.",
    "Lotka, A. J. (1925). Elements of Physical Biology. Baltimore: Williams and Wilkins.",
]

HEADINGS = [c for c, _, _ in CHAPTERS] + [s for _, secs, _ in CHAPTERS for s, _ in secs] + ["Key terms", "Glossary",
                                                                                              "References"]
CAPTIONS = [cap for _, _, caps in CHAPTERS for cap in caps]


def markdown() -> str:
    out = [f"# {TITLE}", ""]
    for chapter, sections, captions in CHAPTERS:
        out += [f"# {chapter}", ""]
        for n, (section, paragraphs) in enumerate(sections):
            out += [f"## {section}", ""]
            for p in paragraphs:
                out += [p, ""]
            if n < len(captions):
                out += [captions[n], ""]
        out += ["## Key terms", ""] + [f"- {t}" for t in KEY_TERMS[chapter]] + [""]
    out += ["# Glossary", ""] + [x for t, d in GLOSSARY for x in (f"**{t}**: {d}", "")]
    out += ["# References", ""] + [x for r in REFERENCES for x in (r, "")]
    return "\n".join(out)


def write_markdown(path: Path) -> Path:
    path.write_text(markdown(), encoding="utf-8")
    return path


def write_pdf(path: Path) -> Path:
    """Each chapter on its own pages; headings styled as headings, captions in italics."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story = [Paragraph(TITLE, styles["Title"]), PageBreak()]
    for chapter, sections, captions in CHAPTERS:
        story.append(Paragraph(chapter, styles["Heading1"]))
        for n, (section, paragraphs) in enumerate(sections):
            story.append(Paragraph(section, styles["Heading2"]))
            for p in paragraphs:
                story += [Paragraph(p, styles["BodyText"]), Spacer(1, 6)]
            if n < len(captions):
                story.append(Paragraph(f"<i>{captions[n]}</i>", styles["BodyText"]))
        story.append(Paragraph("Key terms", styles["Heading2"]))
        story += [Paragraph(t, styles["BodyText"]) for t in KEY_TERMS[chapter]]
        story.append(PageBreak())
    story.append(Paragraph("Glossary", styles["Heading1"]))
    story += [Paragraph(f"<b>{t}</b>: {d}", styles["BodyText"]) for t, d in GLOSSARY]
    story += [PageBreak(), Paragraph("References", styles["Heading1"])]
    story += [Paragraph(r, styles["BodyText"]) for r in REFERENCES]
    SimpleDocTemplate(str(path), pagesize=A4, title=TITLE).build(story)
    return path


def _html_body() -> str:
    from html import escape

    out = []
    for chapter, sections, captions in CHAPTERS:
        out.append(f"<h1>{escape(chapter)}</h1>")
        for n, (section, paragraphs) in enumerate(sections):
            out.append(f"<h2>{escape(section)}</h2>")
            out += [f"<p>{escape(p)}</p>" for p in paragraphs]
            if n < len(captions):
                out.append(f"<figure><figcaption>{escape(captions[n])}</figcaption></figure>")
        out.append("<h2>Key terms</h2><ul>" + "".join(f"<li>{escape(t)}</li>" for t in KEY_TERMS[chapter]) + "</ul>")
    out.append("<h1>Glossary</h1>" + "".join(f"<p><b>{escape(t)}</b>: {escape(d)}</p>" for t, d in GLOSSARY))
    out.append("<h1>References</h1>" + "".join(f"<p>{escape(r)}</p>" for r in REFERENCES))
    return "\n".join(out)


def write_epub(path: Path) -> Path:
    xhtml = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
             f"<title>{TITLE}</title></head><body>{_html_body()}</body></html>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:'
                   'container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/'
                   'oebps-package+xml"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
                   'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f'<dc:title>{TITLE}</dc:title><dc:identifier id="id">ecology-test</dc:identifier>'
                   '<dc:language>en</dc:language></metadata><manifest><item id="c1" href="book.xhtml" '
                   'media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>')
        z.writestr("OEBPS/book.xhtml", xhtml)
    return path


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = TITLE
    for chapter, sections, captions in CHAPTERS:
        d.add_heading(chapter, level=1)
        for n, (section, paragraphs) in enumerate(sections):
            d.add_heading(section, level=2)
            for p in paragraphs:
                d.add_paragraph(p)
            if n < len(captions):
                d.add_paragraph(captions[n], style="Caption")
        d.add_heading("Key terms", level=2)
        for t in KEY_TERMS[chapter]:
            d.add_paragraph(t, style="List Bullet")
    d.add_heading("Glossary", level=1)
    for t, dfn in GLOSSARY:
        para = d.add_paragraph()
        para.add_run(t).bold = True
        para.add_run(": " + dfn)
    d.add_heading("References", level=1)
    for r in REFERENCES:
        d.add_paragraph(r)
    d.save(str(path))
    return path
