"""Near-duplicate chunks: FAISS over stored embeddings vs the original TF-IDF pairwise double loop.

Run: .venv/bin/python -m pytest tests/bench/bench_dedup.py -s
Corpus: real English prose (the Python language reference and docstrings of installed packages) cut into ~60-word chunks,
plus 5% planted near-copies (words dropped/replaced, sentences reordered). Both methods use the
same cosine threshold. The baseline loop (sklearn TfidfVectorizer, cosine per pair in Python) is
timed on a sample of rows and extrapolated to all n(n-1)/2 pairs; its *answer* is computed with the
same cosine as one sparse product (identical pairs, computed faster) to measure agreement.
"""

from __future__ import annotations

import importlib
import inspect
import random
import re
import time

import numpy as np

THRESHOLD = 0.8
MODULES = ("numpy", "sklearn", "scipy", "sqlalchemy", "email", "http", "json", "logging", "asyncio",
           "collections", "unittest", "xml", "urllib", "concurrent", "multiprocessing", "argparse",
           "pathlib", "sqlite3", "tokenize", "typing", "faiss", "spacy", "torch", "transformers", "pandas",
           "PIL", "httpx", "pydantic", "reportlab", "pypdf", "docx", "pptx", "tkinter", "decimal", "datetime",
           "ssl", "socket", "os", "re", "itertools", "functools", "tarfile", "zipfile", "shutil", "subprocess",
           "threading", "codecs", "io", "inspect", "ast", "pickle", "csv", "configparser", "difflib", "textwrap",
           "statistics", "random", "enum", "dataclasses", "contextlib", "types", "pdb", "traceback", "hashlib",
           "mailbox", "html", "ftplib", "smtplib", "ipaddress", "locale", "calendar", "queue", "tempfile",
           "importlib", "pkgutil", "doctest", "turtle", "idlelib", "lib2to3", "pydoc", "sympy", "networkx",
           "setuptools", "pip")


def _prose(limit: int) -> list[str]:
    from pydoc_data.topics import topics

    seen: set[str] = set()
    chunks: list[str] = []

    def cut(doc: str) -> None:
        words = [w for w in re.sub(r"[`>*=_\-]{2,}|\s+", " ", doc).split(" ") if w]
        for i in range(0, len(words) - 40, 60):
            text = " ".join(words[i:i + 60])
            if text not in seen:
                seen.add(text)
                chunks.append(text)

    for key in sorted(topics):  # the Python language reference: plain prose
        cut(topics[key])
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except Exception:
            continue
        stack, visited = [mod], set()
        while stack and len(chunks) < limit:
            obj = stack.pop()
            if id(obj) in visited:
                continue
            visited.add(id(obj))
            cut(inspect.getdoc(obj) or "")
            for attr in sorted(getattr(obj, "__dict__", {}))[:200]:
                try:
                    child = getattr(obj, attr)
                except Exception:
                    continue
                if inspect.ismodule(child) and not child.__name__.startswith(mod.__name__):
                    continue
                if inspect.ismodule(child) or inspect.isclass(child) or inspect.isroutine(child):
                    stack.append(child)
        if len(chunks) >= limit:
            break
    return chunks[:limit]


def _near_copy(text: str, rng: random.Random) -> str:
    sents = re.split(r"(?<=[.!?]) ", text)
    if len(sents) > 1 and rng.random() < 0.5:
        i = rng.randrange(len(sents) - 1)
        sents[i], sents[i + 1] = sents[i + 1], sents[i]
    words = " ".join(sents).split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.05:
            continue
        out.append(w.upper() if r < 0.08 else w)
    return " ".join(out)


def _corpus(n: int) -> tuple[list[str], set[tuple[int, int]]]:
    rng = random.Random(n)
    base = _prose(int(n * 0.95))
    texts = list(base)
    planted = set()
    while len(texts) < n:
        src = rng.randrange(len(base))
        planted.add((src, len(texts)))
        texts.append(_near_copy(base[src], rng))
    return texts, planted


def _baseline_loop_time(tfidf, rows: list[int]) -> tuple[float, int]:
    from sklearn.metrics.pairwise import cosine_similarity

    n = tfidf.shape[0]
    pairs = 0
    t0 = time.perf_counter()
    for i in rows:
        for j in range(i + 1, n):
            if cosine_similarity(tfidf[i], tfidf[j])[0, 0] >= THRESHOLD:
                pass
            pairs += 1
    return time.perf_counter() - t0, pairs


def _run(n: int, sample_rows: int) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from harvest_desktop.index.dedup import duplicate_pairs
    from harvest_desktop.index.embedder import embed_texts, get_model

    get_model()
    texts, planted = _corpus(n)
    n = len(texts)
    t0 = time.perf_counter()
    vecs = embed_texts(texts)
    t_embed = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = {(i, j) for i, j, _ in duplicate_pairs(vecs, THRESHOLD)}
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    tfidf = TfidfVectorizer().fit_transform(texts).tocsr()
    t_fit = time.perf_counter() - t0
    rng = random.Random(1)
    rows = sorted(rng.sample(range(n), sample_rows))
    t_loop, sampled_pairs = _baseline_loop_time(tfidf, rows)
    total_pairs = n * (n - 1) // 2
    t_base = t_fit + t_loop / sampled_pairs * total_pairs
    sims = (tfidf @ tfidf.T).tocoo()
    base = {(int(i), int(j)) for i, j, v in zip(sims.row, sims.col, sims.data) if i < j and v >= THRESHOLD}

    inter = len(ours & base)
    union = len(ours | base) or 1
    print(f"\n[bench] dedup n={n:,} chunks, threshold {THRESHOLD}")
    print(f"[bench]   ours: FAISS exact range search over stored vectors {t_ours:.2f} s "
          f"(embedding them, done once at add time: {t_embed:.1f} s, {n / t_embed:.0f} chunks/s)")
    print(f"[bench]   original TF-IDF double loop: {t_base:,.0f} s extrapolated from {sample_rows} rows "
          f"({sampled_pairs:,} pairs in {t_loop:.1f} s, {t_loop / sampled_pairs * 1e6:.0f} us/pair) of {total_pairs:,}")
    print(f"[bench]   time ratio original/ours: {t_base / max(t_ours, 1e-9):,.0f}x "
          f"(including our embedding time: {t_base / (t_ours + t_embed):,.0f}x)")
    print(f"[bench]   pairs: ours {len(ours)}, original {len(base)}, both {inter}, "
          f"agreement (Jaccard) {inter / union:.3f}, original's pairs we find {inter / max(1, len(base)):.3f}")
    print(f"[bench]   planted near-copies found: ours {len(planted & ours) / len(planted):.3f}, "
          f"original {len(planted & base) / len(planted):.3f}")


def test_bench_dedup_5000():
    _run(5_000, sample_rows=8)


def test_bench_dedup_20000():
    _run(20_000, sample_rows=3)
