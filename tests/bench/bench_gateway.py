"""The AI gateway's own costs: cache-hit latency, routing + estimate overhead, and how far the
pre-flight estimate is from the recorded cost.

Run: .venv/bin/python -m pytest tests/bench/bench_gateway.py -s
Real SQLite, the real litellm tokenizer and price map, a real OpenAI-wire server on 127.0.0.1
whose usage figures count tokens with tiktoken's cl100k encoding: the one litellm counts OpenAI
models with offline (gpt-4o-mini's own o200k cannot be loaded without a download), so the input
error shown is the message-overhead accounting only, and the cost error is the output bound). The time to
the first streamed token through a real local model is printed by tests/integration/test_ai_llama.py.
"""

from __future__ import annotations

import random
import statistics
import time

import keyring
import numpy as np
import pytest

from harvest_desktop.ai import keys
from harvest_desktop.ai.gateway import Gateway
from harvest_desktop.ai.providers.base import GenRequest
from harvest_desktop.ai.router import Availability
from harvest_desktop.store import ai_repo
from tests.ai_helpers import fake_key, small_library, trusted_memory_keyring
from tests.ai_servers import Scripted

pytestmark = pytest.mark.bench


def _pct(xs, p):
    return float(np.percentile(xs, p))


def _cl100k_counter():
    from harvest_desktop.ai.providers.cloud import litellm

    litellm()
    from litellm.litellm_core_utils.default_encoding import encoding as enc  # bundled, no download

    def count(messages):
        # OpenAI's chat accounting: 3 tokens per message, 3 to prime the reply.
        return 3 + sum(3 + len(enc.encode(m.get("content") or "")) for m in messages)

    return count


@pytest.fixture
def gateway(library, tmp_path, monkeypatch):
    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    small_library(library, tmp_path)
    with Scripted("openai", [("ok", "x")]) as srv:
        srv.count_prompt = _cl100k_counter()
        monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
        keys.set_key("openai", fake_key())
        yield Gateway(library.db, monthly_budget_usd=100.0, sleep=lambda s: None), srv, library
    keyring.set_keyring(before)


def _req(lib, i: int, words: int = 300) -> GenRequest:
    rng = random.Random(i)
    body = " ".join(rng.choice(["bees", "dance", "hive", "pollen", "flowers", "sun", "angle", "comb"])
                    for _ in range(words))
    ids = tuple(sorted(s.id for s in lib.sources.all()))
    return GenRequest("blog-post", [{"role": "system", "content": "You write blog posts."},
                                    {"role": "user", "content": f"Request {i}: {body}"}], 1200, source_ids=ids)


def test_bench_gateway(gateway, capsys):
    gw, srv, lib = gateway
    av = Availability({"openai"}, [], "http://127.0.0.1:9", False)
    # -- estimate error over a scripted set: answers of 50 to 1,100 words -------------------------
    n = 40
    for i in range(n):
        words = 50 + (i * 27) % 1050
        srv.script(("ok", " ".join(["word"] * words)))
        req = _req(lib, i, words=100 + 40 * i)
        plan = gw.plan(req, availability=av)
        gw.run(plan, req)
    rows = [r for r in ai_repo.usage_since(lib.db) if r.outcome == "ok"]
    input_err = [(r.est_tokens_in - r.tokens_in) / r.tokens_in for r in rows]
    cost_err = [(r.estimated_cost - r.actual_cost) / r.actual_cost for r in rows]
    # -- router + estimate overhead ---------------------------------------------------------------
    plan_ms = []
    for i in range(200):
        req = _req(lib, 1000 + i)
        t0 = time.perf_counter()
        gw.plan(req, availability=av)
        plan_ms.append((time.perf_counter() - t0) * 1000)
    # -- cache hits: exact, on a cache holding the n answers above --------------------------------
    hit_ms = []
    for i in range(200):
        req = _req(lib, i % n, words=100 + 40 * (i % n))
        plan = gw.plan(req, availability=av)
        t0 = time.perf_counter()
        res = gw.run(plan, req)
        hit_ms.append((time.perf_counter() - t0) * 1000)
        assert res.cached
    with capsys.disabled():
        print("\n-- AI gateway (other engineers' jobs shared the 2 CPU cores) --")
        print(f"cache hit (exact, {ai_repo.cache_count(lib.db)} entries, incl. ledger write): "
              f"p50 {_pct(hit_ms, 50):.1f} ms, p95 {_pct(hit_ms, 95):.1f} ms over {len(hit_ms)} hits")
        print(f"router + estimate (litellm tokenizer, price map, budget, breakers; no Ollama probe): "
              f"p50 {_pct(plan_ms, 50):.1f} ms, p95 {_pct(plan_ms, 95):.1f} ms over {len(plan_ms)} requests")
        print(f"estimate vs recorded over {len(rows)} scripted requests: input tokens off by "
              f"{statistics.mean(input_err):+.1%} on average (max {max(input_err, key=abs):+.1%}); "
              f"cost estimate (output at the format's 1,200-token maximum) above the recorded cost by "
              f"median {statistics.median(cost_err):+.0%}, range {min(cost_err):+.0%} to {max(cost_err):+.0%}")
    assert len(rows) == n
