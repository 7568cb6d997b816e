"""The content hash worked out in pieces equals the one-pass definition, wherever the cuts fall."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata

from harvest_desktop.core.hashing import content_hash


def one_pass(text: str) -> str:
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def test_pieces_give_the_one_pass_hash():
    rng = random.Random(5)
    alphabet = ["a", "B", "ß", "é", "e\u0301", "\u00b4", "\u00a0", " ", "  ", "\n", "\t", "\u2003", "ﬁ", "Å",
                "\u0301", "x\n\n y", "İ", "\u3000", "½", "word", "Straße", " \u0301"]
    for trial in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        for piece in (1, 2, 3, 7, 50, 32_768):
            assert content_hash(text, piece) == one_pass(text), (trial, piece, text)


def test_edges():
    for text in ("", " ", "\n\n", "  a  ", "a", "a b", "A\u00a0B", "  \n x \n  "):
        for piece in (1, 2, 100):
            assert content_hash(text, piece) == one_pass(text), (piece, repr(text))
    book = " ".join(f"Word{i}\u00a0and  Caf\u00e9\n\nline" for i in range(20000))
    assert content_hash(book) == one_pass(book)


def test_the_stored_analysis_json_is_the_same_made_in_pieces():
    import json

    from harvest_desktop.store.analyses import dumps_in_pieces

    data = {"title": "Cafe\u0301 \"quoted\" \u2028", "sentences": [[f"s{i} é", i, None, 1.5, True] for i in range(2000)],
            "concepts": [{"term": f"t{i}", "mentions": list(range(i % 7)), "d": {"x": [1, {"y": "z"}]}}
                         for i in range(600)], "empty": [], "nested": [[[]], {}], "n": 3}
    for big in (0, 1, 256):
        assert dumps_in_pieces(data, big) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
