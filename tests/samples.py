"""Small documents written for Harvest's tests, and writers that turn them into real files."""

from __future__ import annotations

from pathlib import Path

PHOTOSYNTHESIS_MD = """\
# Photosynthesis

Photosynthesis is the process by which green plants convert light energy into chemical energy.
It takes place mainly in the leaves, where sunlight, water and carbon dioxide come together.

## Chloroplasts

A chloroplast is an organelle that captures light and carries out photosynthesis in plant cells.
Each chloroplast contains stacks of thylakoids surrounded by a fluid called the stroma.
Chlorophyll is a green pigment that absorbs red and blue light inside the thylakoid membranes.

## Light-dependent reactions

The light-dependent reactions are the first stage of photosynthesis and occur in the thylakoid membranes.
During these reactions, water molecules are split and oxygen is released as a by-product.
The energy captured from light is stored in ATP and NADPH for the next stage.

## Calvin cycle

The Calvin cycle is a series of reactions that fixes carbon dioxide into sugar in the stroma.
The enzyme RuBisCO attaches carbon dioxide to a five-carbon sugar at the start of the Calvin cycle.
ATP and NADPH from the light-dependent reactions power the Calvin cycle.

## Why it matters

Photosynthesis supplies the oxygen in the atmosphere and the food at the base of nearly every food chain.
Without chlorophyll and chloroplasts, plants could not turn sunlight into sugar.
"""

VOLCANO_PAGES = [
    ("Volcanoes", "A volcano is an opening in the crust of a planet through which molten rock, ash and gases "
     "escape. Magma is molten rock stored beneath the surface of the Earth. When magma reaches the surface "
     "it is called lava. Volcanoes are found mostly along the boundaries of tectonic plates."),
    ("Types of volcanoes", "A shield volcano is a broad volcano built from fluid lava flows. A stratovolcano "
     "is a tall, steep volcano built from layers of lava, ash and rock. Stratovolcanoes produce the most "
     "explosive eruptions because their magma is thick and traps gas."),
    ("Eruptions", "An eruption is the release of lava, ash or gas from a volcano. Pyroclastic flows are fast "
     "currents of hot gas and volcanic matter that move down the slopes of a volcano. Ash clouds can "
     "disrupt air travel far from the eruption."),
    ("Monitoring", "Seismometers record the small earthquakes that often come before an eruption. "
     "Scientists also measure gas emissions and the swelling of the ground to forecast eruptions. "
     "Tectonic plates are large slabs of the lithosphere that move slowly over the mantle."),
]


def write_markdown(path: Path, text: str = PHOTOSYNTHESIS_MD) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_pdf(path: Path, pages: list[tuple[str, str]] = VOLCANO_PAGES, repeat: int = 1) -> Path:
    """A real multi-page PDF with a heading and body text on each page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(path.stem)
    width, height = A4
    for r in range(repeat):
        for heading, body in pages:
            c.setFont("Helvetica-Bold", 16)
            c.drawString(72, height - 72, heading + (f" ({r + 1})" if repeat > 1 else ""))
            c.setFont("Helvetica", 11)
            y = height - 110
            line = ""
            for word in body.split():
                if len(line) + len(word) > 85:
                    c.drawString(72, y, line)
                    y -= 16
                    line = ""
                line = f"{line} {word}".strip()
            if line:
                c.drawString(72, y, line)
            c.showPage()
    c.save()
    return path


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
