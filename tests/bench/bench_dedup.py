"""Near-duplicate chunks: ours (index.dedup.duplicate_pairs) vs two honest TF-IDF baselines, on real prose.

Run (one at a time; it prints its figures and asserts nothing about time):
    .venv/bin/python tests/bench/bench_dedup.py                       # 5,000, 18,000 and 200,000 chunks
    .venv/bin/python tests/bench/bench_dedup.py --sizes 5000 --no-original
    .venv/bin/python -m pytest tests/bench/bench_dedup.py -s

Corpus: the paragraphs (>= 20 words, exact repeats dropped) of OpenStax textbooks, read from their
CNXML sources in git repositories (github.com/openstax/osbooks-*: psychology, US history, world
history, astronomy, ...) found under $HARVEST_BENCH_CORPUS (default /work/.mirror), bare mirrors
(`<dir>/openstax+osbooks-NAME/repo`) or ordinary clones (`<dir>/osbooks-NAME`). The corpus is never
committed; without it the bench says so and exits. 5% of each set are planted near-copies of other
chunks (5% of words dropped, two sentences swapped). Past the real paragraphs (about 40,000 in 12
books), chunks are made of real sentences drawn at random from the whole corpus until >= 80 words.

Methods, each on the same chunks:
- original: the first design's algorithm as written: one TfidfVectorizer (1,000 features) matrix,
  one sklearn cosine_similarity over all of it (dense n x n), a Python double loop over the upper
  triangle. Timed for real, including the TF-IDF fit.
- sparse: the fastest honest TF-IDF way: the same matrix, one sparse product X.X^T per block of
  2,000 rows (memory bounded; one product of all rows is the same arithmetic and needs the whole
  n x n result in memory at once), thresholded. Including the TF-IDF fit.
- ours: duplicate_pairs over given normalised vectors (embedding excluded, as in the app, where the
  vectors are stored at add time). MiniLM on 200,000 chunks costs too much CPU here, so the vectors
  are TF-IDF (sublinear tf, English stop words, terms in >= 2 chunks) reduced to 384 dimensions
  (MiniLM's size) by TruncatedSVD (3 power iterations) fitted on up to 10,000 chunks, then L2-normalised. Threshold 0.9
  (the app's CHUNK_THRESHOLD). "auto" is what the app runs (exact up to EXACT_MAX vectors; past
  it, grouped: k-means centroids, each vector in the groups of its NPROBE nearest, exact products
  within groups); "exact" forces the all-pairs product. Recall = share of the exact pairs found; at
  200,000 it is measured on 2,000 random rows (their exact pairs against all rows).
- ours on the original's vectors: duplicate_pairs over the same 1,000-feature TF-IDF rows (dense),
  at the original's threshold, so the pair sets can be compared one to one.

Time: wall-clock seconds, and CPU seconds of all the process's threads (what the work cost the
machine: on a machine shared with other jobs, the wall time stretches, the CPU time much less).

Peak memory: the process's peak resident set (VmHWM from /proc/self/status, reset before each
method by writing 5 to /proc/self/clear_refs, after gc and malloc_trim) minus the resident set just
before the method ran: what the method itself added. Inputs (texts, vectors) are in memory before.
Process total at the end of the 200,000 run is printed too (VmHWM, not reset: everything).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

TFIDF_THRESHOLD = 0.8  # the original design's cosine threshold on TF-IDF vectors
PLANTED_SHARE = 0.05
MATHML = "{http://www.w3.org/1998/Math/MathML}"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


# -- the corpus -----------------------------------------------------------------------------------
def corpus_root() -> Path:
    return Path(os.environ.get("HARVEST_BENCH_CORPUS", "/work/.mirror"))


def _book_dirs(root: Path) -> list[Path]:
    found = [p for p in root.glob("openstax+osbooks-*/repo") if (p / "HEAD").exists()]
    found += [p for p in root.glob("osbooks-*") if (p / "modules").is_dir()]
    return sorted(found)


def _cnxml_files(book: Path) -> list[bytes]:
    if (book / "modules").is_dir():  # an ordinary clone
        return [f.read_bytes() for f in sorted((book / "modules").glob("*/index.cnxml"))]
    listing = subprocess.run(["git", "--git-dir", str(book), "ls-tree", "-r", "HEAD"], capture_output=True,
                             text=True, check=True).stdout
    blobs = [line.split()[2] for line in listing.splitlines()
             if line.endswith(".cnxml") and "\tmodules/" in line]
    out = subprocess.run(["git", "--git-dir", str(book), "cat-file", "--batch"],
                         input=("\n".join(blobs) + "\n").encode(), capture_output=True, check=True).stdout
    files, pos = [], 0
    for _ in blobs:
        nl = out.index(b"\n", pos)
        size = int(out[pos:nl].split()[2])
        files.append(out[nl + 1:nl + 1 + size])
        pos = nl + 1 + size + 1
    return files


def _text_of(el: ET.Element, out: list[str]) -> None:
    if not el.tag.startswith(MATHML):  # formulas read as MathML markup, not prose
        if el.text:
            out.append(el.text)
        for child in el:
            _text_of(child, out)
    if el.tail:
        out.append(el.tail)


def real_paragraphs() -> list[str]:
    seen: set[str] = set()
    paras: list[str] = []
    for book in _book_dirs(corpus_root()):
        for data in _cnxml_files(book):
            for el in ET.fromstring(data).iter():
                if not el.tag.endswith("}para"):
                    continue
                parts: list[str] = [el.text or ""]
                for child in el:
                    _text_of(child, parts)
                text = " ".join("".join(parts).split())
                if len(text.split()) >= 20 and text not in seen:
                    seen.add(text)
                    paras.append(text)
    return paras


def _near_copy(text: str, rng: random.Random) -> str:
    sents = _SENT.split(text)
    if len(sents) > 1:
        i = rng.randrange(len(sents) - 1)
        sents[i], sents[i + 1] = sents[i + 1], sents[i]
    return " ".join(w for w in " ".join(sents).split() if rng.random() >= 0.05)


def chunks(paras: list[str], n: int) -> tuple[list[str], set[tuple[int, int]]]:
    """n chunks: real paragraphs (then sentence mixtures past them) plus 5% planted near-copies."""
    rng = random.Random(n)
    n_base = n - int(n * PLANTED_SHARE)
    base = rng.sample(paras, min(n_base, len(paras)))
    if len(base) < n_base:
        pool = [s for p in paras for s in _SENT.split(p) if len(s.split()) >= 4]
        while len(base) < n_base:
            words: list[str] = []
            while len(words) < 80:
                words += pool[rng.randrange(len(pool))].split()
            base.append(" ".join(words))
    texts = list(base)
    planted: set[tuple[int, int]] = set()
    while len(texts) < n:
        src = rng.randrange(len(base))
        planted.add((src, len(texts)))
        texts.append(_near_copy(base[src], rng))
    return texts, planted


def embedding_like_vectors(texts: list[str]) -> np.ndarray:
    """TF-IDF reduced to 384 dimensions (LSA), L2-normalised: a stand-in for MiniLM vectors.

    Kept in a cache file (outside the repository) keyed by the texts, as the app keeps its vectors.
    """
    import hashlib

    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "harvest-bench" / f"lsa384-{digest}.npy"
    if cache.exists():
        return np.load(cache)
    v = _lsa(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, v)
    return v


def _lsa(texts: list[str]) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, dtype=np.float32).fit_transform(texts)
    rng = np.random.default_rng(0)
    fit_rows = np.sort(rng.choice(x.shape[0], min(x.shape[0], 10_000), replace=False))
    svd = TruncatedSVD(384, n_iter=3, random_state=0).fit(x[fit_rows])
    v = svd.transform(x).astype(np.float32)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return v


# -- measuring ------------------------------------------------------------------------------------
def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _trim() -> None:
    """Hand freed heap memory back to the system, so the resident set is what is alive."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


CPU_SECONDS: list[float] = []  # CPU time (all threads) of the last measure(), for the printout


def measure(fn):
    """(result, seconds, MB added at peak above the resident set before, whether the peak was reset)."""
    gc.collect()
    _trim()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    before = _status_kb("VmRSS")
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t0
    CPU_SECONDS[:] = [time.process_time() - c0]
    peak = _status_kb("VmHWM")
    return out, secs, max(0, peak - before) / 1024, reset


# -- the methods ----------------------------------------------------------------------------------
def tfidf_original(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(max_features=1000).fit_transform(texts)


def original(texts: list[str], threshold: float) -> list[tuple[int, int]]:
    """The first design's near-duplicate step, as written."""
    from sklearn.metrics.pairwise import cosine_similarity

    tfidf = tfidf_original(texts)
    sims = cosine_similarity(tfidf)
    pairs = []
    n = len(texts)
    for i in range(n):
        for j in range(i + 1, n):
            if sims[i, j] >= threshold:
                pairs.append((i, j))
    return pairs


def sparse_product(texts: list[str], threshold: float, block: int = 2000) -> list[tuple[int, int]]:
    """The same TF-IDF rows, X.X^T as sparse products, block by block, thresholded."""
    x = tfidf_original(texts).tocsr()
    xt = x.T.tocsc()
    pairs: list[tuple[int, int]] = []
    for start in range(0, x.shape[0], block):
        s = (x[start:start + block] @ xt).tocoo()
        rows = s.row.astype(np.int64) + start
        keep = (s.data >= threshold) & (s.col > rows)
        pairs.extend(zip(rows[keep].tolist(), s.col[keep].tolist()))
    return pairs


# -- the run --------------------------------------------------------------------------------------
def _line(name: str, secs: float, mb: float, extra: str = "") -> None:
    cpu = CPU_SECONDS[0] if CPU_SECONDS else float("nan")
    print(f"[bench]   {name:<44} {secs:8.2f} s (CPU {cpu:7.2f} s)  peak +{mb:7,.0f} MB  {extra}", flush=True)


def run_size(paras: list[str], n: int, with_original: bool) -> None:
    from harvest_desktop.index.dedup import CHUNK_THRESHOLD, EXACT_MAX, duplicate_pairs

    texts, planted = chunks(paras, n)
    real = min(len(paras), n - int(n * PLANTED_SHARE))
    print(f"\n[bench] dedup, {n:,} chunks ({real:,} real paragraphs, {n - real - len(planted):,} sentence "
          f"mixtures, {len(planted):,} planted near-copies)", flush=True)
    t0 = time.perf_counter()
    vecs = embedding_like_vectors(texts)
    print(f"[bench]   (vectors for ours: TF-IDF -> SVD 384 dims in {time.perf_counter() - t0:.1f} s or read from "
          "the cache, not counted)")

    def found(pairs) -> str:
        got = {(int(a), int(b)) for a, b, *_ in pairs}
        return f"{len(got):,} pairs, planted found {len(planted & got) / len(planted):.3f}"

    t_original = None
    if n <= 20_000:
        _, t_fit, _, _ = measure(lambda: tfidf_original(texts))
        if with_original:
            res, secs, mb, _ = measure(lambda: original(texts, TFIDF_THRESHOLD))
            t_original = secs
            _line("original: cosine_similarity + double loop", secs, mb,
                  found(res) + f" (TF-IDF fit {t_fit:.2f} s of it)")
        res_sparse, secs, mb, _ = measure(lambda: sparse_product(texts, TFIDF_THRESHOLD))
        _line("sparse: X.X^T in row blocks, thresholded", secs, mb, found(res_sparse))
        t_sparse = secs
        dense = tfidf_original(texts).toarray().astype(np.float32)
        dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
        res, secs, mb, _ = measure(lambda: duplicate_pairs(dense, TFIDF_THRESHOLD))
        same = {(a, b) for a, b, _ in res}
        base = set(res_sparse)
        both = len(same & base)
        _line("ours (auto) on the original's TF-IDF rows", secs, mb,
              found(res) + f"; agreement with sparse {both / max(1, len(same | base)):.4f}")
        del dense
    res_exact = None
    if n <= 20_000:
        res_exact, secs, mb, _ = measure(lambda: duplicate_pairs(vecs, CHUNK_THRESHOLD, exact=True))
        _line("ours exact (all pairs, tiles), 384-d vectors", secs, mb, found(res_exact))
    res, t_ours, mb, reset = measure(lambda: duplicate_pairs(vecs, CHUNK_THRESHOLD))
    kind = "exact" if n <= EXACT_MAX else "grouped"
    got = {(a, b) for a, b, _ in res}
    if res_exact is not None:
        truth = {(a, b) for a, b, _ in res_exact}
        recall = f"recall vs exact {len(got & truth) / max(1, len(truth)):.4f} (all pairs)"
    else:
        rng = np.random.default_rng(1)
        rows = np.sort(rng.choice(n, 2000, replace=False))
        truth = set()
        for start in range(0, len(rows), 500):
            part = rows[start:start + 500]
            ii, jj = np.nonzero(vecs[part] @ vecs.T >= CHUNK_THRESHOLD)
            for a, b in zip(part[ii].tolist(), jj.tolist()):
                if a != b:
                    truth.add((min(a, b), max(a, b)))
        sampled = set(rows.tolist())
        mine = {(a, b) for a, b in got if a in sampled or b in sampled}
        recall = (f"recall vs exact {len(mine & truth) / max(1, len(truth)):.4f} "
                  f"({len(truth):,} exact pairs touching 2,000 random rows)")
    _line(f"ours (auto = {kind}), 384-d vectors", t_ours, mb, found(res) + "; " + recall)
    if t_original is not None:
        print(f"[bench]   original / ours: {t_original / t_ours:,.1f}x; sparse / ours: {t_sparse / t_ours:,.1f}x")
    if not reset:
        print("[bench]   (peak memory could not be reset: figures are the process's peak so far)")
    print(f"[bench]   process resident now {_status_kb('VmRSS') / 1024:,.0f} MB (inputs, vectors, results)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,18000,200000")
    ap.add_argument("--no-original", action="store_true", help="skip the slow original double loop")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    paras = real_paragraphs()
    if len(paras) < 1000:
        print(f"[bench] dedup: no corpus of real prose under {corpus_root()} (found {len(paras)} paragraphs).\n"
              "[bench] Put bare mirrors (DIR/openstax+osbooks-NAME/repo) or clones (DIR/osbooks-NAME) of OpenStax "
              "book repositories there, or point HARVEST_BENCH_CORPUS at them, and run again.")
        return 2
    print(f"[bench] corpus: {len(paras):,} paragraphs from {len(_book_dirs(corpus_root()))} OpenStax books "
          f"({time.perf_counter() - t0:.1f} s to read); {os.cpu_count()} CPUs, shared with other jobs")
    for n in (int(s) for s in args.sizes.split(",")):
        run_size(paras, n, not args.no_original)
    return 0


def test_bench_dedup():
    assert main([]) == 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
