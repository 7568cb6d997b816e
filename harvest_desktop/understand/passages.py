"""The unit every understanding and generation step works on: a chunk with its provenance."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENT = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True)
class Passage:
    chunk_id: int
    source_id: int
    source_name: str
    page: int | None
    heading_path: str
    text: str

    def cite(self) -> str:
        """Short human citation: [Source name, p. 3, § Section]."""
        parts = [self.source_name]
        if self.page:
            parts.append(f"p. {self.page}")
        if self.heading_path:
            parts.append("§ " + self.heading_path.split(" > ")[-1])
        return "[" + ", ".join(parts) + "]"

    def citation_dict(self) -> dict:
        return {"chunk_id": self.chunk_id, "source_id": self.source_id, "source": self.source_name,
                "page": self.page, "section": self.heading_path}


def split_sentences(text: str) -> list[str]:
    """Cheap sentence splitter for the offline engine; spaCy is used where it is loaded."""
    out = []
    for para in text.split("\n"):
        for s in _SENT.split(para.strip()):
            s = s.strip()
            if s:
                out.append(s)
    return out


def load_passages(db, source_ids=None) -> list[Passage]:
    """Passages of ready sources (all, or the given ones) in source and reading order."""
    from sqlalchemy import text as sql

    where = "s.status = 'ready'"
    if source_ids is not None:
        ids = ",".join(str(int(i)) for i in source_ids) or "NULL"
        where += f" AND s.id IN ({ids})"
    with db.read() as s:
        rows = s.exec(sql("SELECT c.id, c.source_id, s.name, c.page, c.heading_path, c.text "
                          "FROM chunk c JOIN source s ON s.id = c.source_id "
                          f"WHERE {where} ORDER BY c.source_id, c.ord")).all()
    return [Passage(r[0], r[1], r[2], r[3], r[4] or "", r[5]) for r in rows]
