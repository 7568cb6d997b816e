"""Model-written formats: tokens and cost per format (from the pre-flight estimates), time to the
first streamed token. The real local model's figures (tokens/s, grounding pass share per format) are
printed by bench_local_model.py.

Run: .venv/bin/python -m pytest tests/bench/bench_generative.py -s
Estimates: every call a run makes (each part of the map step, the reduce step; a part is sized to
the model's context from litellm's model map, at most 24k tokens of passages), the real litellm
tokenizer and price map, maximum output as the format asks for it (so cost is an upper bound).
A "page" is 2,800 characters of the ecology textbook text the study tests use (about 450 words),
a chapter every 10 pages. The machine's 2 cores were shared with other engineers' jobs.
"""

from __future__ import annotations

import time

import keyring
import pytest

from harvest_desktop.formats.generative import KEYS, format_for
from harvest_desktop.formats.generative.base import GenOptions, material
from harvest_desktop.understand.passages import Passage

pytestmark = pytest.mark.bench

PAGE_CHARS = 2800
MODELS = [("cheap", "openai", "gpt-4o-mini"), ("cheap", "anthropic", "claude-haiku-4-5"),
          ("top", "openai", "gpt-4.1"), ("top", "anthropic", "claude-opus-4-5")]


def book(pages: int) -> list[Passage]:
    """Passages of about 900 characters, a chapter every 10 pages, pages numbered."""
    from tests import study_texts

    paras = [p.strip() for p in study_texts.markdown().split("\n\n") if len(p.strip()) > 200 and not p.startswith("#")]
    out, text, n, i = [], "", 0, 0
    total = pages * PAGE_CHARS
    while sum(len(p.text) for p in out) < total:
        text += paras[i % len(paras)] + " "
        i += 1
        if len(text) >= 900:
            page = 1 + sum(len(p.text) for p in out) // PAGE_CHARS
            chapter = f"Chapter {1 + (page - 1) // 10}"
            out.append(Passage(n + 1, 1, "Foundations of Ecology", page, f"{chapter} > Section {page}", text.strip()))
            n += 1
            text = ""
    return out


def price(provider: str, model: str):
    from harvest_desktop.ai.providers.cloud import litellm, litellm_model

    entry = litellm().model_cost.get(litellm_model(provider, model)) or {}
    return entry.get("input_cost_per_token"), entry.get("output_cost_per_token")


def count(provider: str, model: str, messages) -> int:
    from harvest_desktop.ai.providers.cloud import litellm, litellm_model

    ll = litellm()
    try:
        return int(ll.token_counter(model=litellm_model(provider, model), messages=messages))
    except Exception:
        return int(ll.token_counter(model="gpt-4o-mini", messages=messages))


def test_tokens_and_cost_per_format():
    from harvest_desktop.ai.router import Route
    from harvest_desktop.services.routing import context_chars

    print("\nPre-flight estimate per format (every call counted; output at the format's maximum). 'upper bound' adds"
          " a repair for every call and a rewrite for every item asked for, as the window and `harvest route` show it")
    print(f"{'format':14} {'pages':>5} {'calls':>5} {'model':22} {'tokens in':>10} {'max out':>8} {'each once':>9}"
          f" {'+rep':>4} {'+rew':>4} {'upper bound':>11}")
    for pages in (10, 100):
        passages = book(pages)
        for key in KEYS:
            for tier, provider, model in MODELS:
                context = context_chars(Route(provider, "cloud", model))
                fmt = format_for(key, GenOptions(question="How do populations grow and what limits them?",
                                                 runtime_s=180, context_chars=context))
                ps = passages
                if key == "answer":
                    from harvest_desktop.formats.generative.answer import retrieve

                    ps = retrieve(fmt.opts.question, passages)
                mat = material(ps, context)
                calls = fmt.calls_for_estimate(mat)
                extra, repairs, rewrites = fmt.upper_bound_calls(mat, calls)
                tin = sum(count(provider, model, c.messages) for c in calls)
                tout = sum(c.max_tokens for c in calls)
                xin = tin + sum(count(provider, model, c.messages) for c in extra[:repairs]) + \
                    (count(provider, model, extra[repairs].messages) * rewrites if rewrites else 0)
                xout = tout + sum(c.max_tokens for c in extra)
                pin, pout = price(provider, model)
                cost = "unknown" if pin is None else f"${tin * pin + tout * pout:.4f}"
                upper = "unknown" if pin is None else f"${xin * pin + xout * pout:.4f}"
                print(f"{key:14} {pages:>5} {len(calls):>5} {tier + ' ' + model:22} {tin:>10,} {tout:>8,} {cost:>9}"
                      f" {repairs:>4} {rewrites:>4} {upper:>11}")


def test_time_to_first_streamed_token_over_loopback(library, tmp_path, monkeypatch, harvest_home):
    """Our side of the first token: route, estimate, prompt, request, the server's first piece."""
    import json

    from harvest_desktop.ai import keys
    from harvest_desktop.ai.gateway import Gateway
    from harvest_desktop.formats import registry
    from harvest_desktop.formats.blog_post import source_meta
    from harvest_desktop.services import routing
    from tests.ai_helpers import fake_key, small_library, trusted_memory_keyring
    from tests.ai_servers import Scripted

    before = keyring.get_keyring()
    trusted_memory_keyring(monkeypatch)
    small_library(library, tmp_path)
    passages = registry.to_passages(library.chunks(), {s.id: s for s in library.sources.all()})
    metas = {s.id: source_meta(s) for s in library.sources.all()}
    first = passages[0].text.split(". ")[0] + "."
    answer = json.dumps({"title": "B", "points": [{"text": first, "passages": [1]}] * 6})
    try:
        with Scripted("openai", [("ok", answer)]) as srv:
            monkeypatch.setenv("HARVEST_OPENAI_BASE_URL", srv.url + "/v1")
            keys.set_key("openai", fake_key())
            gw = Gateway(library.db, monthly_budget_usd=5.0)
            times = []
            for i in range(6):
                stamps: list[float] = []
                start = time.perf_counter()
                routing.generate(gw, registry.get_format("briefing"), passages, metas,
                                 routing.Options(engine="openai", fresh=True),
                                 on_text=lambda t: stamps.append(time.perf_counter()),
                                 run_builtin=lambda: None)
                times.append((stamps[0] - start) * 1000)
    finally:
        keyring.set_keyring(before)
    times = sorted(times[1:])  # the first run loads litellm
    print(f"\nTime to first streamed token, briefing over a loopback OpenAI-wire server (5 runs after a warm-up): "
          f"median {times[len(times) // 2]:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms "
          "(routing, estimate of every call, prompt rendering, the request; the scripted server answers at once)")
