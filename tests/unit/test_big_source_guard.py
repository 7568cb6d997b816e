"""The big-source guard refuses a text that is one phrase repeated, and nothing that reads like prose."""

from __future__ import annotations

import glob
import random
import time
from pathlib import Path

import pytest

from harvest_desktop.core.errors import BadInput
from harvest_desktop.index.guard import MIN_CHARS, check_text, compression_ratio


def _prose(n_chars: int) -> str:
    """Real prose where the machine has some (Vim's manual, licence texts), else varied sentences."""
    files = sorted(glob.glob("/usr/share/vim/vim*/doc/usr_*.txt")) or sorted(
        str(p) for p in Path("/usr/share/common-licenses").glob("*") if p.is_file())
    text = ""
    for f in files:
        text += Path(f).read_text(encoding="utf-8", errors="replace") + "\n"
        if len(text) >= n_chars:
            return text[:n_chars]
    rng = random.Random(1)
    words = [w for w in text.split() if w.isalpha()] or ["alpha", "beta", "gamma", "delta"]
    out = [text]
    size = len(text)
    while size < n_chars:
        sent = " ".join(rng.choice(words) for _ in range(rng.randint(6, 20))).capitalize() + ". "
        out.append(sent)
        size += len(sent)
    return "".join(out)[:n_chars]


def test_repeated_words_refused_quickly_with_the_reason():
    text = "the mitochondria is the powerhouse of the cell " * (20_000_000 // 48)
    t = time.perf_counter()
    with pytest.raises(BadInput) as err:
        check_text(text, "huge.txt")
    assert time.perf_counter() - t < 5
    msg = str(err.value)
    assert msg.startswith("huge.txt: ") and "repeated" in msg and "compresses" in msg


def test_prose_and_small_texts_pass():
    prose = _prose(2_000_000)
    assert compression_ratio(prose) < 8
    check_text(prose, "manual.txt")
    check_text("same words " * (MIN_CHARS // 12), "small.txt")  # under the size the guard looks at


def test_a_book_with_a_repeated_appendix_still_passes():
    prose = _prose(1_500_000)
    check_text(prose + ("Table row: 0 0 0 0 0\n" * 20_000), "book.txt")
